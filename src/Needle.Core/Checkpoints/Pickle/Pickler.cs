using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using static Needle.Core.Checkpoints.Pickle.PickleOpcode;

namespace Needle.Core.Checkpoints.Pickle;

/// <summary>
/// Writes Python pickle protocol 4 (Python 3.11-3.13's default) for the values in PyObjects.cs. Arrays use numpy's
/// protocol 2-4 form, <c>numpy.core.multiarray._reconstruct</c> + BUILD, which numpy 1.x loads directly and numpy 2.x
/// through its <c>numpy.core</c> compatibility shim. Dict keys are written in the order given (callers sort them).
/// </summary>
public sealed class Pickler
{
    private const int BatchSize = 1000; // like CPython: SETITEMS/APPENDS in batches

    private readonly Stream _out;
    private readonly Dictionary<string, int> _memo = new(StringComparer.Ordinal); // globals and dtypes we reuse
    private int _memoCount;

    private Pickler(Stream output) => _out = output;

    public static void Dump(object? value, Stream output)
    {
        var p = new Pickler(output);
        p.Op(Proto);
        p._out.WriteByte(4);
        p.Write(value);
        p.Op(Stop);
    }

    public static byte[] Dumps(object? value)
    {
        using var ms = new MemoryStream();
        Dump(value, ms);
        return ms.ToArray();
    }

    private void Write(object? value)
    {
        switch (value)
        {
            case null: Op(None); break;
            case bool b: Op(b ? NewTrue : NewFalse); break;
            case int i: WriteInt(i); break;
            case long l: WriteInt(l); break;
            case float f: WriteFloat(f); break;
            case double d: WriteFloat(d); break;
            case string s: WriteString(s); break;
            case byte[] bytes: WriteBytes(bytes); break;
            case PyTuple t: WriteTuple(t.Items); break;
            case List<object?> list: WriteList(list); break;
            case PyDict d: WriteDict(d.Items); break;
            case IEnumerable<KeyValuePair<string, object?>> d: WriteDict(d.Select(kv => new KeyValuePair<object?, object?>(kv.Key, kv.Value))); break;
            case NumpyArray a: WriteArray(a); break;
            default: throw new ArgumentException($"cannot pickle a {value.GetType().Name}.", nameof(value));
        }
    }

    private void WriteInt(long v)
    {
        if (v is >= 0 and <= 0xFF) { Op(BinInt1); _out.WriteByte((byte)v); }
        else if (v is >= 0 and <= 0xFFFF) { Op(BinInt2); Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); _out.Write(b); }
        else if (v is >= int.MinValue and <= int.MaxValue) { Op(BinInt); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); _out.Write(b); }
        else
        {
            var bytes = new BigInteger(v).ToByteArray(); // minimal little-endian two's complement, like Python's encode_long
            Op(Long1);
            _out.WriteByte((byte)bytes.Length);
            _out.Write(bytes);
        }
    }

    private void WriteFloat(double d)
    {
        Op(BinFloat);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, d);
        _out.Write(b);
    }

    private void WriteString(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        WriteSized(bytes, ShortBinUnicode, BinUnicode);
    }

    private void WriteBytes(byte[] bytes) => WriteSized(bytes, ShortBinBytes, BinBytes);

    // A 4-byte length is always enough: .NET arrays stop below 2 GiB.
    private void WriteSized(byte[] bytes, byte shortOp, byte op4)
    {
        if (bytes.Length < 256) { Op(shortOp); _out.WriteByte((byte)bytes.Length); }
        else
        {
            Op(op4);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)bytes.Length);
            _out.Write(b);
        }
        _out.Write(bytes);
    }

    private void WriteTuple(IReadOnlyList<object?> items)
    {
        if (items.Count == 0) { Op(EmptyTuple); return; }
        if (items.Count > 3) Op(Mark);
        foreach (var item in items) Write(item);
        Op(items.Count switch { 1 => Tuple1, 2 => Tuple2, 3 => Tuple3, _ => PickleOpcode.Tuple });
    }

    private void WriteList(List<object?> list)
    {
        Op(EmptyList);
        for (var i = 0; i < list.Count; i += BatchSize)
        {
            Op(Mark);
            foreach (var item in list.Skip(i).Take(BatchSize)) Write(item);
            Op(Appends);
        }
    }

    private void WriteDict(IEnumerable<KeyValuePair<object?, object?>> items)
    {
        Op(EmptyDict);
        foreach (var batch in items.Chunk(BatchSize))
        {
            Op(Mark);
            foreach (var (k, v) in batch) { Write(k); Write(v); }
            Op(SetItems);
        }
    }

    // _reconstruct(ndarray, (0,), b'b') then BUILD (1, shape, dtype, False, raw): exactly what numpy's __reduce__ gives.
    private void WriteArray(NumpyArray a)
    {
        if (!a.IsBuilt || a.DType is null) throw new ArgumentException("the array has no data.", nameof(a));
        if (a.Fortran) throw new ArgumentException("only C-order arrays are written.", nameof(a));
        WriteGlobal("numpy.core.multiarray", "_reconstruct");
        WriteGlobal("numpy", "ndarray");
        WriteTuple([0L]);
        WriteBytes("b"u8.ToArray());
        Op(Tuple3);
        Op(PickleOpcode.Reduce);
        Op(Mark);
        WriteInt(1);
        WriteTuple(a.Shape.Select(d => (object?)(long)d).ToArray());
        WriteDType(a.DType);
        Op(NewFalse);
        WriteBytes(a.Raw);
        Op(PickleOpcode.Tuple);
        Op(Build);
    }

    private void WriteDType(NumpyDType d)
    {
        var key = "dtype:" + d.Str;
        if (TryGet(key)) return;
        WriteGlobal("numpy", "dtype");
        var bf16 = d.Code == NumpyDType.BFloat16Code;
        if (bf16) WriteGlobal("ml_dtypes", "bfloat16"); else WriteString(d.Code);
        Op(NewFalse);
        Op(NewTrue);
        Op(Tuple3);
        Op(PickleOpcode.Reduce);
        // (version 3, byte order, subarray, names, fields, elsize, alignment, flags); -1 = "use the builtin's".
        // ml_dtypes' bfloat16 descriptor has NPY_NEEDS_PYAPI | NPY_USE_GETITEM | NPY_USE_SETITEM (0x70).
        WriteTuple([3L, d.ItemSize == 1 ? "|" : "<", null, null, null, bf16 ? 2L : -1L, bf16 ? 2L : -1L, bf16 ? 0x70L : 0L]);
        Op(Build);
        Memoize(key);
    }

    private void WriteGlobal(string module, string name)
    {
        var key = "global:" + module + " " + name;
        if (TryGet(key)) return;
        WriteString(module);
        WriteString(name);
        Op(StackGlobal);
        Memoize(key);
    }

    private bool TryGet(string key)
    {
        if (!_memo.TryGetValue(key, out var index)) return false;
        if (index < 256) { Op(BinGet); _out.WriteByte((byte)index); }
        else { Op(LongBinGet); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)index); _out.Write(b); }
        return true;
    }

    private void Memoize(string key)
    {
        Op(PickleOpcode.Memoize);
        _memo[key] = _memoCount++;
    }

    private void Op(byte op) => _out.WriteByte(op);
}
