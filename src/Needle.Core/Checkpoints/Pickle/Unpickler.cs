using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using static Needle.Core.Checkpoints.Pickle.PickleOpcode;

namespace Needle.Core.Checkpoints.Pickle;

/// <summary>
/// Reads a Python pickle (protocols 0-5, in-band buffers) into plain .NET values (see PyObjects.cs). It never imports
/// or runs anything: the few globals numpy checkpoints need are emulated (<see cref="PickleGlobals"/>) and any other
/// global is rejected. Errors are <see cref="InvalidDataException"/> with the byte offset; valid but unsupported
/// constructs are <see cref="NotSupportedException"/>.
/// </summary>
public sealed class Unpickler
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly PickleInput _in;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _file;
    private List<object?> _stack = new();
    private readonly Stack<List<object?>> _metaStack = new();
    private readonly Dictionary<long, object?> _memo = new();

    private Unpickler(PickleInput input, Microsoft.Win32.SafeHandles.SafeFileHandle? file = null)
    {
        _in = input;
        _file = file;
    }

    public static object? Load(byte[] data) => new Unpickler(new PickleInput(data)).Run();

    /// <summary>
    /// Unpickles from an open file, leaving byte payloads of at least <paramref name="deferThreshold"/> bytes in it as
    /// <see cref="PyDeferredBytes"/> (numpy arrays then read their data on demand; the file must stay open meanwhile).
    /// </summary>
    internal static object? LoadDeferred(FileStream file, long deferThreshold) =>
        new Unpickler(new PickleInput(file, deferThreshold), file.SafeFileHandle).Run();

    public static object? Load(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Load(buffer.ToArray());
    }

    private object? Run()
    {
        if (_in.Length == 0) throw new InvalidDataException("the pickle stream is empty.");
        while (true)
        {
            var at = _in.Position;
            var op = ReadByte("an opcode");
            try
            {
                if (op == Stop) return Pop();
                Step(op);
            }
            catch (InvalidDataException e) when (!e.Message.StartsWith("pickle ", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"pickle opcode 0x{op:x2} at byte {at}: {e.Message}", e);
            }
        }
    }

    private void Step(byte op)
    {
        switch (op)
        {
            case Proto:
                var proto = ReadByte("the protocol number");
                if (proto > 5) throw new NotSupportedException($"pickle protocol {proto} is newer than 5.");
                break;
            case Frame: Take(8, "FRAME"); break; // frames only group reads; the data is all in memory
            case Mark: _metaStack.Push(_stack); _stack = new(); break;
            case PickleOpcode.Pop:
                if (_stack.Count > 0) Pop(); else PopMark();
                break;
            case PickleOpcode.PopMark: PopMark(); break;
            case Dup: Push(Peek()); break;

            case None: Push(null); break;
            case NewTrue: Push(true); break;
            case NewFalse: Push(false); break;
            case BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4, "BININT"))); break;
            case BinInt1: Push((long)ReadByte("BININT1")); break;
            case BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2, "BININT2"))); break;
            case Long1: Push(DecodeLong(Take(ReadByte("LONG1 length"), "LONG1"))); break;
            case Long4: Push(DecodeLong(Take(ReadLength(4, "LONG4"), "LONG4"))); break;
            case Int: Push(ParseTextInt(ReadLine("INT"))); break;
            case Long: Push(ParseTextLong(ReadLine("LONG"))); break;
            case BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8, "BINFLOAT"))); break;
            case Float: Push(ParseTextFloat(ReadLine("FLOAT"))); break;

            case ShortBinUnicode: Push(Utf8(Take(ReadByte("SHORT_BINUNICODE length"), "SHORT_BINUNICODE"))); break;
            case BinUnicode: Push(Utf8(Take(ReadLength(4, "BINUNICODE"), "BINUNICODE"))); break;
            case BinUnicode8: Push(Utf8(Take(ReadLength(8, "BINUNICODE8"), "BINUNICODE8"))); break;
            case Unicode: Push(RawUnicodeEscape(ReadLine("UNICODE"))); break;
            case ShortBinBytes: Push(Take(ReadByte("SHORT_BINBYTES length"), "SHORT_BINBYTES").ToArray()); break;
            case BinBytes: Push(Bytes(ReadLength(4, "BINBYTES"), "BINBYTES")); break;
            case BinBytes8: Push(Bytes(ReadLength(8, "BINBYTES8"), "BINBYTES8")); break;
            case ByteArray8: Push(Take(ReadLength(8, "BYTEARRAY8"), "BYTEARRAY8").ToArray()); break;
            // Python 2 str: decoded as latin-1 text (what numpy's loaders ask for with encoding='latin1').
            case ShortBinString: Push(PickleGlobals.Latin1String(Take(ReadByte("SHORT_BINSTRING length"), "SHORT_BINSTRING"))); break;
            case BinString: Push(PickleGlobals.Latin1String(Take(ReadLength(4, "BINSTRING"), "BINSTRING"))); break;
            case PickleOpcode.String: Push(QuotedString(ReadLine("STRING"))); break;
            case NextBuffer: throw new NotSupportedException("the pickle uses out-of-band buffers (protocol 5 NEXT_BUFFER); save it with in-band data.");
            case ReadOnlyBuffer: Peek(); break;

            case EmptyTuple: Push(PyTuple.Empty); break;
            case Tuple1: Push(new PyTuple([Pop()])); break;
            case Tuple2: { var b = Pop(); var a = Pop(); Push(new PyTuple([a, b])); break; }
            case Tuple3: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PyTuple([a, b, c])); break; }
            case PickleOpcode.Tuple: Push(new PyTuple(PopMark().ToArray())); break;
            case EmptyList: Push(new List<object?>()); break;
            case PickleOpcode.List: Push(PopMark()); break;
            case Append: { var v = Pop(); AsList(Peek()).Add(v); break; }
            case Appends: { var items = PopMark(); AsList(Peek()).AddRange(items); break; }
            case EmptyDict: Push(new PyDict()); break;
            case PickleOpcode.Dict: { var items = PopMark(); var d = new PyDict(); SetItems(d, items); Push(d); break; }
            case SetItem: { var v = Pop(); var k = Pop(); AsDict(Peek()).Set(k, v); break; }
            case PickleOpcode.SetItems: { var items = PopMark(); SetItems(AsDict(Peek()), items); break; }
            case EmptySet: Push(new PySet()); break;
            case AddItems: { var items = PopMark(); AsSet(Peek()).Items.AddRange(items); break; }
            case FrozenSet: { var s = new PySet(); s.Items.AddRange(PopMark()); Push(s); break; }

            case Put: _memo[ParseMemoIndex(ReadLine("PUT"))] = Peek(); break;
            case BinPut: _memo[ReadByte("BINPUT")] = Peek(); break;
            case LongBinPut: _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "LONG_BINPUT"))] = Peek(); break;
            case Memoize: _memo[_memo.Count] = Peek(); break;
            case Get: Push(MemoGet(ParseMemoIndex(ReadLine("GET")))); break;
            case BinGet: Push(MemoGet(ReadByte("BINGET"))); break;
            case LongBinGet: Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "LONG_BINGET")))); break;

            case Global:
            {
                var module = Ascii(ReadLine("GLOBAL module"));
                var name = Ascii(ReadLine("GLOBAL name"));
                Push(PickleGlobals.Resolve(module, name));
                break;
            }
            case StackGlobal:
            {
                var name = Pop();
                var module = Pop();
                if (module is not string m || name is not string n) throw new InvalidDataException("STACK_GLOBAL needs two strings.");
                Push(PickleGlobals.Resolve(m, n));
                break;
            }
            case PickleOpcode.Reduce: { var args = Pop(); var fn = Pop(); Push(PickleGlobals.Call(fn, args)); break; }
            case NewObj: { var args = Pop(); var cls = Pop(); Push(PickleGlobals.New(cls, args)); break; }
            case NewObjEx: { Pop(); var args = Pop(); var cls = Pop(); Push(PickleGlobals.New(cls, args)); break; }
            case Build: { var state = Pop(); PickleGlobals.Build(Peek(), state); break; }

            case Inst or Obj:
                throw new InvalidDataException("the pickle builds a class instance (INST/OBJ), which a Needle checkpoint never contains.");
            case PersId or BinPersId:
                throw new NotSupportedException("the pickle uses persistent ids (like torch.save zip files); only plain pickle files are supported.");
            case Ext1 or Ext2 or Ext4:
                throw new NotSupportedException("the pickle uses the copyreg extension registry (EXT1/2/4), which is not supported.");
            default:
                throw new InvalidDataException($"pickle: unknown opcode 0x{op:x2} at byte {_in.Position - 1} (the file is corrupt or not a pickle).");
        }
    }

    // ---- stack -------------------------------------------------------------------------------------------------

    private void Push(object? value) => _stack.Add(value);

    private object? Pop()
    {
        if (_stack.Count == 0) throw new InvalidDataException("stack underflow (the stream is corrupt).");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw new InvalidDataException("stack underflow (the stream is corrupt).");

    private List<object?> PopMark()
    {
        if (_metaStack.Count == 0) throw new InvalidDataException("MARK expected but not found (the stream is corrupt).");
        var items = _stack;
        _stack = _metaStack.Pop();
        return items;
    }

    private object? MemoGet(long index) =>
        _memo.TryGetValue(index, out var v) ? v : throw new InvalidDataException($"memo entry {index} does not exist.");

    private static List<object?> AsList(object? o) => o as List<object?> ?? throw new InvalidDataException($"APPEND to a {PyRepr.TypeName(o)}, not a list.");

    private static PyDict AsDict(object? o) => o as PyDict ?? throw new InvalidDataException($"SETITEM on a {PyRepr.TypeName(o)}, not a dict.");

    private static PySet AsSet(object? o) => o as PySet ?? throw new InvalidDataException($"ADDITEMS on a {PyRepr.TypeName(o)}, not a set.");

    private static void SetItems(PyDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw new InvalidDataException("SETITEMS has an odd number of items.");
        for (var i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
    }

    // ---- reading -----------------------------------------------------------------------------------------------

    private byte ReadByte(string what) => _in.TryReadByte(out var b) ? b : throw Truncated(1, what);

    private ReadOnlySpan<byte> Take(long count, string what) =>
        count >= 0 && count <= _in.Remaining && _in.TryTake((int)count, out var span) ? span : throw Truncated(count, what);

    /// <summary>A bytes payload: in memory, or left in the file when it is large (<see cref="LoadDeferred"/>).</summary>
    private object Bytes(long count, string what)
    {
        if (!_in.CanDefer(count)) return Take(count, what).ToArray();
        var deferred = new PyDeferredBytes(_file!, _in.Position, count);
        _in.Skip(count);
        return deferred;
    }

    private long ReadLength(int width, string what)
    {
        var span = Take(width, what + " length");
        var n = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(span) : (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(span), long.MaxValue);
        if (n > _in.Remaining) throw Truncated(n, what);
        return n;
    }

    private ReadOnlySpan<byte> ReadLine(string what) =>
        _in.TryReadLine(out var line) ? line : throw Truncated(1, what + " (no end of line)");

    private InvalidDataException Truncated(long needed, string what) =>
        new($"pickle stream is truncated or corrupt: {what} at byte {_in.Position} needs {needed} byte(s), only {_in.Remaining} remain.");

    // ---- value decoding ----------------------------------------------------------------------------------------

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw new InvalidDataException("a str is not valid UTF-8."); }
    }

    private static string Ascii(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            if (b is < 0x20 or > 0x7E) throw new InvalidDataException("a GLOBAL name is not printable ASCII.");
        return Encoding.ASCII.GetString(bytes);
    }

    private static object DecodeLong(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return 0L;
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        if (value < long.MinValue || value > long.MaxValue) throw new NotSupportedException($"integer {value} does not fit in 64 bits.");
        return (long)value;
    }

    private static object ParseTextInt(ReadOnlySpan<byte> line)
    {
        var s = Ascii(line);
        if (s == "00") return false;
        if (s == "01") return true;
        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v : throw new InvalidDataException($"INT '{s}' is not an integer that fits in 64 bits.");
    }

    private static object ParseTextLong(ReadOnlySpan<byte> line)
    {
        var s = Ascii(line).TrimEnd('L');
        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v : throw new InvalidDataException($"LONG '{s}' is not an integer that fits in 64 bits.");
    }

    private static double ParseTextFloat(ReadOnlySpan<byte> line)
    {
        var s = Ascii(line);
        return s switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new InvalidDataException($"FLOAT '{s}' is not a number."),
        };
    }

    private static long ParseMemoIndex(ReadOnlySpan<byte> line) =>
        long.TryParse(Ascii(line), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new InvalidDataException("memo index is not a number.");

    // Protocol 0 STRING: a quoted Python 2 str literal; only escape-free ones are accepted.
    private static string QuotedString(ReadOnlySpan<byte> line)
    {
        var s = PickleGlobals.Latin1String(line);
        if (s.Length < 2 || s[0] != s[^1] || s[0] is not ('\'' or '"')) throw new InvalidDataException("STRING is not quoted.");
        var body = s[1..^1];
        if (body.Contains('\\')) throw new NotSupportedException("protocol 0 STRING with escapes is not supported.");
        return body;
    }

    // Protocol 0 UNICODE: raw-unicode-escape (only \uXXXX and \UXXXXXXXX are escapes).
    private static string RawUnicodeEscape(ReadOnlySpan<byte> line)
    {
        var s = PickleGlobals.Latin1String(line);
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] is 'u' or 'U')
            {
                var n = s[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + n > s.Length || !int.TryParse(s.AsSpan(i + 2, n), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp)
                    || cp < 0 || cp > 0x10FFFF)
                    throw new InvalidDataException("UNICODE has a bad \\u escape.");
                sb.Append(char.ConvertFromUtf32(cp is >= 0xD800 and <= 0xDFFF ? 0xFFFD : cp));
                i += 1 + n;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
