using System.Buffers.Binary;
using System.Text;

namespace Needle.Core.Checkpoints.Pickle;

/// <summary>
/// The only Python callables a checkpoint may name. Python's pickle imports and calls whatever a stream names (so a
/// .pkl can run <c>os.system</c>); we never import or call anything: each allow-listed name is emulated here, and any
/// other name stops the load with an error naming it.
/// </summary>
internal static class PickleGlobals
{
    private static readonly HashSet<string> Allowed =
    [
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
        "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
        "numpy.ndarray", "numpy.dtype",
        "ml_dtypes.bfloat16", "ml_dtypes._ml_dtypes_ext.bfloat16",
        "collections.OrderedDict",
        "_codecs.encode",
        "builtins.bytearray", "__builtin__.bytearray",
        "builtins.bytes", "__builtin__.bytes",
        "builtins.set", "__builtin__.set", "builtins.frozenset", "__builtin__.frozenset",
    ];

    public static PyGlobal Resolve(string module, string name)
    {
        var full = module + "." + name;
        if (!Allowed.Contains(full))
            throw new InvalidDataException(
                $"the pickle refers to '{full}', which is not allowed: a Needle checkpoint holds only dicts, plain values and numpy arrays. " +
                "Refusing to load it (Python would import and run that name, which can execute arbitrary code).");
        return new PyGlobal(module, name);
    }

    /// <summary>REDUCE: callable(*args).</summary>
    public static object? Call(object? callable, object? args)
    {
        if (callable is not PyGlobal g) throw new InvalidDataException($"REDUCE on a {PyRepr.TypeName(callable)}, which is not callable.");
        if (args is not PyTuple a) throw new InvalidDataException($"REDUCE arguments for {g} are a {PyRepr.TypeName(args)}, not a tuple.");
        switch (g.Name)
        {
            case "_reconstruct":
                // _reconstruct(numpy.ndarray, (0,), b'b'): an empty array that BUILD then fills.
                if (a.Count != 3 || a[0] is not PyGlobal { FullName: "numpy.ndarray" })
                    throw new InvalidDataException($"{g}{a} is not the numpy.ndarray form (subclasses such as matrix/masked arrays are not supported).");
                return new NumpyArray();
            case "_frombuffer":
                if (a.Count != 4 || a[0] is not (byte[] or PyDeferredBytes))
                    throw new InvalidDataException($"{g} expects (buffer, dtype, shape, order), got {a}.");
                return NumpyArray.FromBuffer(a[0]!, a[1], a[2], a[3]);
            case "dtype":
                if (a.Count < 1) throw new InvalidDataException("numpy.dtype() called without a type code.");
                return NumpyDType.Parse(a[0]);
            case "scalar":
                return Scalar(a);
            case "OrderedDict":
                return OrderedDict(a);
            case "encode":
                return Encode(a);
            case "bytearray":
            case "bytes": // protocol 2 writes b'' as bytes()
                return ByteArray(a);
            case "set" or "frozenset": // protocols < 4 write set([items])
                return Set(a);
            default:
                throw new InvalidDataException($"'{g}' cannot be called; it may only appear as an argument.");
        }
    }

    /// <summary>NEWOBJ: cls.__new__(cls, *args); only OrderedDict is ever built this way in our files.</summary>
    public static object? New(object? cls, object? args)
    {
        if (cls is PyGlobal { Name: "OrderedDict" } && args is PyTuple) return new PyDict();
        throw new InvalidDataException($"NEWOBJ of {PyRepr.Of(cls)} is not supported (only dicts, plain values and numpy arrays are).");
    }

    /// <summary>BUILD: obj.__setstate__(state).</summary>
    public static void Build(object? target, object? state)
    {
        switch (target)
        {
            case NumpyArray array: array.SetState(state); break;
            case NumpyDType dtype: dtype.SetState(state); break;
            case PyDict when state is null: break;
            default: throw new InvalidDataException($"BUILD on a {PyRepr.TypeName(target)} is not supported.");
        }
    }

    private static PyDict OrderedDict(PyTuple a)
    {
        var d = new PyDict();
        if (a.Count == 0) return d;
        if (a.Count == 1 && a[0] is List<object?> pairs)
        {
            foreach (var p in pairs)
            {
                if (p is not PyTuple { Count: 2 } kv) throw new InvalidDataException("OrderedDict items are not (key, value) pairs.");
                d.Set(kv[0], kv[1]);
            }
            return d;
        }
        throw new InvalidDataException($"collections.OrderedDict{a} is not a supported form.");
    }

    // Protocol 2 writes bytes as _codecs.encode(str, 'latin1').
    private static byte[] Encode(PyTuple a)
    {
        if (a.Count == 2 && a[0] is string s && a[1] is "latin1" or "latin-1" or "iso-8859-1") return Latin1(s);
        throw new InvalidDataException($"_codecs.encode{a} is not the latin-1 bytes form.");
    }

    private static byte[] ByteArray(PyTuple a) => a.Count switch
    {
        0 => [],
        1 when a[0] is byte[] b => (byte[])b.Clone(),
        2 when a[0] is string s && a[1] is "latin1" or "latin-1" => Latin1(s),
        _ => throw new InvalidDataException($"bytearray{a} is not a supported form."),
    };

    private static PySet Set(PyTuple a)
    {
        var set = new PySet();
        if (a.Count == 1 && a[0] is List<object?> items) set.Items.AddRange(items);
        else if (a.Count != 0) throw new InvalidDataException($"set{a} is not a supported form.");
        return set;
    }

    private static byte[] Latin1(string s)
    {
        var bytes = new byte[s.Length];
        for (var i = 0; i < s.Length; i++)
            bytes[i] = s[i] <= 0xFF ? (byte)s[i] : throw new InvalidDataException("latin-1 bytes string has a character above U+00FF.");
        return bytes;
    }

    // numpy scalars (np.float32(1.0), np.int64(3)) pickle as scalar(dtype, raw bytes).
    private static object Scalar(PyTuple a)
    {
        if (a.Count != 2 || a[0] is not NumpyDType d || a[1] is not byte[] raw || raw.Length != d.ItemSize)
            throw new InvalidDataException($"numpy scalar{a} is not (dtype, bytes).");
        var e = d.IsBigEndian ? raw.Reverse().ToArray() : raw;
        return (d.Kind, d.ItemSize) switch
        {
            ('f', 2) when d.Code == NumpyDType.BFloat16Code => (double)FloatBits.BFloat16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e)),
            ('f', 2) => (double)FloatBits.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e)),
            ('f', 4) => (double)BinaryPrimitives.ReadSingleLittleEndian(e),
            ('f', 8) => BinaryPrimitives.ReadDoubleLittleEndian(e),
            ('i', 1) => (long)(sbyte)e[0],
            ('i', 2) => (long)BinaryPrimitives.ReadInt16LittleEndian(e),
            ('i', 4) => (long)BinaryPrimitives.ReadInt32LittleEndian(e),
            ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(e),
            ('u', 1) => (long)e[0],
            ('u', 2) => (long)BinaryPrimitives.ReadUInt16LittleEndian(e),
            ('u', 4) => (long)BinaryPrimitives.ReadUInt32LittleEndian(e),
            ('b', 1) => e[0] != 0,
            _ => throw new NotSupportedException($"numpy scalar of dtype {d} is not supported."),
        };
    }

    internal static string Latin1String(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
