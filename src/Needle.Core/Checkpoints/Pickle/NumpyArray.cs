using System.Buffers.Binary;

namespace Needle.Core.Checkpoints.Pickle;

/// <summary>
/// A numpy.ndarray read from a pickle: shape, dtype, memory order and the raw element bytes. It is filled in two
/// steps for the protocol 2-4 form (<c>_reconstruct</c> makes an empty array, BUILD sets its state) and in one step
/// for protocol 5's <c>_frombuffer</c>.
/// </summary>
public sealed class NumpyArray
{
    public int[] Shape { get; private set; } = [0];
    public NumpyDType? DType { get; private set; }
    public bool Fortran { get; private set; }
    private byte[]? _raw = [];
    private PyDeferredBytes? _deferred;

    /// <summary>The raw element bytes (read from the file now when they were left there, see <see cref="PickleInput"/>).</summary>
    public byte[] Raw => _raw ?? _deferred!.ToArray();

    /// <summary>Length of <see cref="Raw"/> in bytes, without reading it.</summary>
    public long RawLength => _raw?.LongLength ?? _deferred!.Length;

    public bool IsBuilt { get; private set; }

    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    public override string ToString() => $"numpy.ndarray(shape=({string.Join(", ", Shape)}), dtype={DType})";

    /// <summary>An array to write: C-order raw little-endian bytes of the given dtype.</summary>
    public static NumpyArray FromRaw(int[] shape, NumpyDType dtype, byte[] raw)
    {
        var a = new NumpyArray();
        a.Fill(new PyTuple(shape.Select(d => (object?)(long)d).ToArray()), dtype, false, raw);
        return a;
    }

    internal static NumpyArray FromBuffer(object buffer, object? dtype, object? shape, object? order)
    {
        var a = new NumpyArray();
        if (order is not string { Length: 1 } o || o[0] is not ('C' or 'F'))
            throw new InvalidDataException($"numpy _frombuffer order {PyRepr.Of(order)} is not 'C' or 'F'.");
        a.Fill(shape, dtype, o == "F", buffer);
        return a;
    }

    /// <summary>BUILD state of ndarray: (version, shape, dtype, is_fortran, raw bytes or str).</summary>
    internal void SetState(object? state)
    {
        if (state is not PyTuple { Count: 5 } t || t[0] is not long)
            throw new InvalidDataException($"numpy.ndarray state {PyRepr.Of(state)} is not (version, shape, dtype, fortran, data).");
        if (t[3] is not bool fortran) throw new InvalidDataException("numpy.ndarray state: is_fortran is not a bool.");
        object raw = t[4] switch
        {
            byte[] b => b,
            PyDeferredBytes b => b,
            // Python 2 era streams store the data as a latin-1 str.
            string s => s.Select(ch => ch <= 0xFF ? (byte)ch : throw new InvalidDataException("numpy.ndarray data str is not latin-1.")).ToArray(),
            List<object?> => throw new NotSupportedException("numpy object arrays (dtype=object) are not supported."),
            var other => throw new InvalidDataException($"numpy.ndarray data is a {PyRepr.TypeName(other)}, expected bytes."),
        };
        Fill(t[1], t[2], fortran, raw);
    }

    private void Fill(object? shape, object? dtype, bool fortran, object raw)
    {
        if (IsBuilt) throw new InvalidDataException("numpy.ndarray state was set twice.");
        if (dtype is not NumpyDType d) throw new InvalidDataException($"numpy.ndarray dtype is a {PyRepr.TypeName(dtype)}, not a numpy.dtype.");
        if (shape is not PyTuple st) throw new InvalidDataException($"numpy.ndarray shape is a {PyRepr.TypeName(shape)}, not a tuple.");
        var dims = new int[st.Count];
        long count = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            if (st[i] is not long n || n < 0 || n > int.MaxValue)
                throw new InvalidDataException($"numpy.ndarray shape {st} has an invalid dimension.");
            dims[i] = (int)n;
            count = n == 0 || count == 0 ? 0 : (count > long.MaxValue / n ? throw new InvalidDataException($"numpy.ndarray shape {st} is too large.") : count * n);
        }
        if (count > Array.MaxLength) throw new NotSupportedException($"numpy.ndarray shape {st} has too many elements.");
        var length = raw is PyDeferredBytes deferred ? deferred.Length : ((byte[])raw).LongLength;
        if (length != count * d.ItemSize)
            throw new InvalidDataException($"numpy.ndarray of shape {st} and dtype {d} needs {count * d.ItemSize} bytes, the stream has {length}.");
        (Shape, DType, Fortran, IsBuilt) = (dims, d, fortran, true);
        (_raw, _deferred) = (raw as byte[], raw as PyDeferredBytes);
    }

    /// <summary>
    /// The values widened to float32 in C order. float16/bfloat16/float32 are exact; float64 and integers are rounded
    /// to the nearest float32 (like numpy's astype(np.float32)); bool becomes 0/1.
    /// </summary>
    public NdArray ToNdArray()
    {
        if (!IsBuilt || DType is null) throw new InvalidDataException("numpy.ndarray was created but its data was never set (missing BUILD).");
        var d = DType;
        var bytes = Raw;
        var raw = d.IsBigEndian ? SwapBytes(bytes, d.ItemSize) : bytes;
        var data = new float[Count];
        NdDType stored;
        switch (d.Kind, d.ItemSize)
        {
            case ('f', 2) when d.Code == NumpyDType.BFloat16Code:
                FloatBits.BFloat16ToSingle(raw, data);
                stored = NdDType.BFloat16;
                break;
            case ('f', 2):
                FloatBits.HalfToSingle(raw, data);
                stored = NdDType.Float16;
                break;
            case ('f', 4):
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).CopyTo(data);
                stored = NdDType.Float32;
                break;
            default:
                ConvertOther(d, raw, data);
                stored = NdDType.Float32;
                break;
        }
        if (Fortran && Shape.Length > 1) data = FortranToC(data, Shape);
        return new NdArray(Shape, data, stored);
    }

    /// <summary>
    /// Elements [first, first + destination.Length) in C order, widened to float32 exactly like <see cref="ToNdArray"/>,
    /// without converting (or, for data left in the file, reading) the rest: little-endian C-order float16, bfloat16
    /// and float32 are read in chunks; any other layout or dtype goes through a full <see cref="ToNdArray"/>.
    /// </summary>
    internal void ReadSingles(long first, Span<float> destination)
    {
        if (!IsBuilt || DType is null) throw new InvalidDataException("numpy.ndarray was created but its data was never set (missing BUILD).");
        if (first < 0 || first + destination.Length > Count) throw new ArgumentOutOfRangeException(nameof(first));
        var d = DType;
        var direct = d is { Kind: 'f', IsBigEndian: false } && d.ItemSize is 2 or 4 && !(Fortran && Shape.Length > 1);
        if (!direct)
        {
            ToNdArray().Data.AsSpan((int)first, destination.Length).CopyTo(destination);
            return;
        }
        var size = d.ItemSize;
        const int Chunk = 64 * 1024; // elements per read: a small reusable buffer instead of the whole payload
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Chunk * size);
        try
        {
            for (var done = 0; done < destination.Length; done += Chunk)
            {
                var n = Math.Min(Chunk, destination.Length - done);
                var bytes = buffer.AsSpan(0, n * size);
                var at = (first + done) * size;
                if (_raw is not null) _raw.AsSpan((int)at, bytes.Length).CopyTo(bytes);
                else _deferred!.Read(at, bytes);
                var dst = destination.Slice(done, n);
                if (size == 4) System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).CopyTo(dst);
                else if (d.Code == NumpyDType.BFloat16Code) FloatBits.BFloat16ToSingle(bytes, dst);
                else FloatBits.HalfToSingle(bytes, dst);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ConvertOther(NumpyDType d, ReadOnlySpan<byte> raw, Span<float> data)
    {
        var size = d.ItemSize;
        for (var i = 0; i < data.Length; i++)
        {
            var e = raw.Slice(i * size, size);
            data[i] = (d.Kind, size) switch
            {
                ('f', 8) => (float)BinaryPrimitives.ReadDoubleLittleEndian(e),
                ('i', 1) => (sbyte)e[0],
                ('i', 2) => BinaryPrimitives.ReadInt16LittleEndian(e),
                ('i', 4) => BinaryPrimitives.ReadInt32LittleEndian(e),
                ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(e),
                ('u', 1) => e[0],
                ('u', 2) => BinaryPrimitives.ReadUInt16LittleEndian(e),
                ('u', 4) => BinaryPrimitives.ReadUInt32LittleEndian(e),
                ('u', 8) => BinaryPrimitives.ReadUInt64LittleEndian(e),
                ('b', 1) => e[0] != 0 ? 1f : 0f,
                _ => throw new NotSupportedException($"numpy dtype {d} cannot be converted to float32 (supported: float16, bfloat16, float32, float64, ints, bool)."),
            };
        }
    }

    private static byte[] SwapBytes(byte[] raw, int size)
    {
        var copy = (byte[])raw.Clone();
        for (var i = 0; i < copy.Length; i += size) Array.Reverse(copy, i, size);
        return copy;
    }

    // Fortran order: the first index varies fastest. Walk C order and compute each element's Fortran offset.
    private static float[] FortranToC(float[] f, int[] shape)
    {
        var c = new float[f.Length];
        var rank = shape.Length;
        var fStride = new long[rank];
        fStride[0] = 1;
        for (var k = 1; k < rank; k++) fStride[k] = fStride[k - 1] * shape[k - 1];
        var index = new int[rank];
        for (long i = 0; i < c.Length; i++)
        {
            long off = 0;
            for (var k = 0; k < rank; k++) off += index[k] * fStride[k];
            c[i] = f[off];
            for (var k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < shape[k]) break;
                index[k] = 0;
            }
        }
        return c;
    }
}
