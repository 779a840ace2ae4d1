namespace Needle.Core.Kernels;

/// <summary>How decode-time weights are stored.</summary>
public enum WeightPrecision
{
    /// <summary>IEEE half: exact for weights loaded from a (float16) Needle checkpoint, half the memory traffic.</summary>
    Float16,
    Float32,

    /// <summary>
    /// Symmetric int8 with one float32 scale per group of 32 consecutive inputs of each output row, as upstream's INT8
    /// fake quantization (needle-model.md §5.5): scale = max|w|/127 (≥ 1e-8), q = round-half-even(w/scale) clipped
    /// to [−128, 127]. A quarter of float32's traffic (plus 1/8 for the scales); approximate, so opt-in.
    /// </summary>
    Int8,
}

/// <summary>
/// A weight matrix stored row-per-output, (N, K), for matrix-vector products at decode time: y[n] = x · W[n, :].
/// Built from a Dense kernel (K, N) by transposing, or from an embedding (V, D) as is (tied logits).
/// </summary>
public sealed class PackedRows
{
    public int Rows { get; }   // N (outputs)
    public int Cols { get; }   // K (inputs)
    public WeightPrecision Precision { get; }
    /// <summary>Inputs per int8 scale (upstream's group size).</summary>
    public const int GroupSize = 32;

    internal readonly ushort[]? Half;   // (N, K) IEEE half bits
    internal readonly float[]? Single;  // (N, K)
    internal readonly sbyte[]? Int8;    // (N, K) quantized
    internal readonly float[]? Scales;  // (N, ⌈K/32⌉) per-group scales of Int8

    /// <summary>Scales per row (int8 only): ⌈K / <see cref="GroupSize"/>⌉.</summary>
    public int GroupsPerRow => (Cols + GroupSize - 1) / GroupSize;

    /// <summary>Bytes the stored weights occupy (what one product reads).</summary>
    public long Bytes => Precision switch
    {
        WeightPrecision.Float32 => (long)Rows * Cols * 4,
        WeightPrecision.Float16 => (long)Rows * Cols * 2,
        _ => (long)Rows * Cols + (long)Rows * GroupsPerRow * 4,
    };

    private PackedRows(int rows, int cols, WeightPrecision precision, ushort[]? half, float[]? single,
        sbyte[]? int8 = null, float[]? scales = null)
    {
        Rows = rows; Cols = cols; Precision = precision; Half = half; Single = single; Int8 = int8; Scales = scales;
    }

    /// <summary>Weight (r, c) as the kernels see it (float16 widened, int8 times its group scale).</summary>
    public float this[int r, int c] => Precision switch
    {
        WeightPrecision.Float32 => Single![(long)r * Cols + c],
        WeightPrecision.Float16 => (float)BitConverter.UInt16BitsToHalf(Half![(long)r * Cols + c]),
        _ => Int8![(long)r * Cols + c] * Scales![(long)r * GroupsPerRow + c / GroupSize],
    };

    /// <summary>The weights as the kernels see them, (N, K) row-major in float32.</summary>
    public unsafe float[] ToFloat32()
    {
        var rows = new float[(long)Rows * Cols];
        if (Single is not null) { Single.AsSpan(0, rows.Length).CopyTo(rows); return rows; }
        if (Half is not null)
        {
            fixed (ushort* h = Half)
            fixed (float* dst = rows)
                for (var r = 0; r < Rows; r++) MatVec.WidenRow(Simd.Level, h + (long)r * Cols, dst + (long)r * Cols, Cols);
            return rows;
        }
        for (var r = 0; r < Rows; r++)
        for (var c = 0; c < Cols; c++) rows[(long)r * Cols + c] = this[r, c];
        return rows;
    }

    /// <summary>From a Dense kernel w (K, N) stored (in, out): transposes. Columns [col0, col0+n) of w only.</summary>
    public static PackedRows FromKernel(ReadOnlySpan<float> w, int k, int n, WeightPrecision precision) =>
        FromKernelColumns([(w.ToArray(), k, n)], precision);

    /// <summary>Concatenates several (K, N_i) kernels along N, e.g. q|k|v, so one pass reads all three.</summary>
    public static PackedRows FromKernelColumns(IReadOnlyList<(float[] W, int K, int N)> parts, WeightPrecision precision)
    {
        var k = parts[0].K;
        var total = parts.Sum(p => p.N);
        var t = new float[(long)total * k];
        var row0 = 0;
        foreach (var (w, pk, pn) in parts)
        {
            if (pk != k) throw new ArgumentException($"PackedRows: kernels disagree on K ({pk} vs {k}).");
            for (var i = 0; i < k; i++)
            for (var j = 0; j < pn; j++)
                t[(long)(row0 + j) * k + i] = w[(long)i * pn + j];
            row0 += pn;
        }
        return FromRows(t, total, k, precision);
    }

    /// <summary>From a matrix already stored (N, K), e.g. the embedding table for tied logits.</summary>
    public static PackedRows FromRows(ReadOnlySpan<float> rows, int n, int k, WeightPrecision precision)
    {
        if (rows.Length < (long)n * k) throw new ArgumentException($"PackedRows: {rows.Length} < {n}×{k}.");
        if (precision == WeightPrecision.Float32) return new PackedRows(n, k, precision, null, rows[..(n * k)].ToArray());
        if (precision == WeightPrecision.Int8) return QuantizeInt8(rows, n, k);
        var half = new ushort[n * k];
        for (var i = 0; i < half.Length; i++)
        {
            var h = (Half)rows[i];
            if (!System.Half.IsFinite(h))
                throw new NotSupportedException($"weight {rows[i]} does not fit in float16; use WeightPrecision.Float32.");
            half[i] = BitConverter.HalfToUInt16Bits(h);
        }
        return new PackedRows(n, k, precision, half, null);
    }

    private static unsafe PackedRows QuantizeInt8(ReadOnlySpan<float> rows, int n, int k)
    {
        var groups = (k + GroupSize - 1) / GroupSize;
        var q = new sbyte[(long)n * k];
        var scales = new float[(long)n * groups];
        float? bad = null;
        fixed (float* p = rows)
        {
            var source = (nint)p;
            Parallel.For(0, (n + 255) / 256, block =>             // rows are independent; ~17 ms serial for 8192×512
            {
                for (int r = block * 256, end = Math.Min(n, r + 256); r < end; r++)
                    if (QuantizeRow(new ReadOnlySpan<float>((float*)source + (long)r * k, k), q.AsSpan(r * k, k), scales.AsSpan(r * groups, groups)) is { } v)
                        bad = v;
            });
        }
        if (bad is { } w) throw new NotSupportedException($"weight {w} cannot be quantized to int8.");
        return FromInt8(n, k, q, scales);
    }

    /// <summary>
    /// One row (K) to int8 (K) and its group scales (⌈K/32⌉) with the same float32 operations as FakeQuant (upstream),
    /// so q·scale equals its fake-quantized weight exactly. Returns the first non-finite weight, or null.
    /// </summary>
    internal static float? QuantizeRow(ReadOnlySpan<float> row, Span<sbyte> q, Span<float> scales)
    {
        for (int g = 0, c0 = 0; c0 < row.Length; g++, c0 += GroupSize)
        {
            var group = row.Slice(c0, Math.Min(GroupSize, row.Length - c0));
            var max = 0f;
            foreach (var v in group)
            {
                if (!float.IsFinite(v)) return v;
                max = Math.Max(max, Math.Abs(v));
            }
            var scale = Math.Max(max / 127f, 1e-8f);
            scales[g] = scale;
            for (var c = 0; c < group.Length; c++)
                q[c0 + c] = (sbyte)Math.Clamp(MathF.Round(group[c] / scale, MidpointRounding.ToEven), -128f, 127f);
        }
        return null;
    }

    /// <summary>Int8 rows already quantized: q (N, K) and scales (N, ⌈K/32⌉).</summary>
    internal static PackedRows FromInt8(int n, int k, sbyte[] q, float[] scales) => new(n, k, WeightPrecision.Int8, null, null, q, scales);
}
