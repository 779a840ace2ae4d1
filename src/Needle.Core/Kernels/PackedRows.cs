namespace Needle.Core.Kernels;

/// <summary>How decode-time weights are stored.</summary>
public enum WeightPrecision
{
    /// <summary>IEEE half: exact for weights loaded from a (float16) Needle checkpoint, half the memory traffic.</summary>
    Float16,
    Float32,
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
    internal readonly ushort[]? Half;   // (N, K) IEEE half bits
    internal readonly float[]? Single;  // (N, K)

    private PackedRows(int rows, int cols, WeightPrecision precision, ushort[]? half, float[]? single)
    {
        Rows = rows; Cols = cols; Precision = precision; Half = half; Single = single;
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
}
