namespace Needle.Core.Kernels;

/// <summary>
/// The per-token q/k preparation of a self-attention block in one pass over a fused q | k | v buffer: ZC-RMSNorm of
/// every q head and k head (QK-norm), then RoPE on both, row by row while the row is in L1, split over the pool.
/// Each step is the same arithmetic as <see cref="ZcRmsNorm"/> and <see cref="Rope"/> applied in turn.
/// </summary>
public static unsafe class QkNormRope
{
    /// <summary>
    /// qkv (rows, stride) with each row starting q (heads·hd) | k (kvHeads·hd); row r is at position pos0 + r mod t
    /// (batch rows of t tokens each). γq, γk (hd). Skips RoPE when <paramref name="rope"/> is null (cross-attention q).
    /// </summary>
    public static void Forward(Span<float> qkv, int rows, int stride, int t, int pos0, int heads, int kvHeads,
        ReadOnlySpan<float> qGamma, ReadOnlySpan<float> kGamma, RopeTable? rope, bool parallel = true)
    {
        var hd = qGamma.Length;
        var width = (heads + kvHeads) * hd;
        if (t <= 0 || rows % t != 0) throw new ArgumentException($"QkNormRope: {rows} rows are not whole sequences of {t}.");
        if (stride < width || (rows > 0 && qkv.Length < (long)(rows - 1) * stride + width))
            throw new ArgumentException($"QkNormRope: qkv too short for {rows} rows of {width} at stride {stride}.");
        if (kvHeads > 0 && kGamma.Length != hd) throw new ArgumentException("QkNormRope: k gamma length differs from q's.");
        if (rope is not null)
        {
            if (rope.HeadDim != hd) throw new ArgumentException($"QkNormRope: RoPE table head_dim {rope.HeadDim} != {hd}.");
            rope.Ensure(pos0 + t);
        }
        fixed (float* p0 = qkv, qg0 = qGamma, kg0 = kGamma)
        {
            nint p = (nint)p0, qg = (nint)qg0, kg = (nint)kg0;
            var cos = rope?.CosTable;
            var sin = rope?.SinTable;
            RowParallel.For(rows, (long)rows * width, parallel, (r0, r1) =>
            {
                fixed (float* pc = cos, ps = sin)
                    for (var r = r0; r < r1; r++)
                    {
                        var q = (float*)p + (long)r * stride;
                        var k = q + heads * hd;
                        ZcRmsNorm.Rows(q, (float*)qg, q, heads, hd);
                        if (kvHeads > 0) ZcRmsNorm.Rows(k, (float*)kg, k, kvHeads, hd);
                        if (pc == null) continue;
                        var pos = pos0 + r % t;
                        Rope.Rows(q, 1, heads, pos, hd, stride, pc, ps);
                        if (kvHeads > 0) Rope.Rows(k, 1, kvHeads, pos, hd, stride, pc, ps);
                    }
            });
        }
    }

    /// <summary>The reference: the naive norm per head, then the naive RoPE, row by row.</summary>
    public static void ForwardNaive(Span<float> qkv, int rows, int stride, int t, int pos0, int heads, int kvHeads,
        ReadOnlySpan<float> qGamma, ReadOnlySpan<float> kGamma, double? ropeTheta)
    {
        var hd = qGamma.Length;
        for (var r = 0; r < rows; r++)
        {
            var q = qkv.Slice(r * stride, heads * hd);
            var k = qkv.Slice(r * stride + heads * hd, kvHeads * hd);
            ZcRmsNorm.ForwardNaive(q, qGamma, q, heads, hd);
            if (kvHeads > 0) ZcRmsNorm.ForwardNaive(k, kGamma, k, kvHeads, hd);
            if (ropeTheta is not { } theta) continue;
            Rope.ForwardNaive(q, 1, heads, hd, pos0 + r % t, theta);
            if (kvHeads > 0) Rope.ForwardNaive(k, 1, kvHeads, hd, pos0 + r % t, theta);
        }
    }
}
