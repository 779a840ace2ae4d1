using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// The training attention operands of one token row in one pass, forward and backward: per-head ZC-RMSNorm
/// (QK-norm) of a group of A heads (γA) followed by a group of B heads (γB), RoPE on both (optional), and `copy`
/// values after them passed through (v). Forward is out of place (the raw projections stay for the backward);
/// backward is in place on the gradient rows: RoPE's inverse rotation, then the norm's backward with dγ summed.
/// Row r of a call sits at position r mod t (rows are whole sequences). With AVX-512 and hd = 64 a head lives in
/// four registers through norm and rotation; other shapes run <see cref="ZcRmsNorm"/> / <see cref="Rope"/> /
/// <see cref="RopeBackward"/> / <see cref="ZcRmsNormBackward"/> in turn. The forward's arithmetic equals those
/// kernels' (same order); the backward's dot products are summed in a different order (rounding-level).
/// </summary>
public static unsafe class HeadNormRope
{
    /// <summary>The shape of a row: A heads, then B heads, then `Copy` passthrough values; all heads hd wide.</summary>
    public readonly record struct Layout(int HeadsA, int HeadsB, int Copy, int HeadDim)
    {
        public int Width => (HeadsA + HeadsB) * HeadDim + Copy;
    }

    /// <summary>dst rows (dstStride apart) = norm + RoPE of src rows (srcStride apart), rows [row0, row1).</summary>
    /// <param name="cosT">RoPE tables covering t positions (<see cref="RopeTable"/>), or null for no RoPE.</param>
    internal static void ForwardRows(float* src, int srcStride, float* dst, int dstStride, int row0, int row1, int t, in Layout l,
        float* gammaA, float* gammaB, float* cosT, float* sinT)
    {
        int hd = l.HeadDim, half = hd / 2, heads = l.HeadsA + l.HeadsB;
        var fast = hd == 64 && Simd.Level == SimdLevel.Vector512;
        for (var r = row0; r < row1; r++)
        {
            float* s = src + (long)r * srcStride, d = dst + (long)r * dstStride;
            float* cos = cosT == null ? null : cosT + (long)(r % t) * half, sin = sinT == null ? null : sinT + (long)(r % t) * half;
            if (fast)
            {
                for (var h = 0; h < heads; h++)
                    Forward64(s + h * 64, d + h * 64, h < l.HeadsA ? gammaA : gammaB, cos, sin);
            }
            else
            {
                if (l.HeadsA > 0) ZcRmsNorm.Rows(s, gammaA, d, l.HeadsA, hd);
                if (l.HeadsB > 0) ZcRmsNorm.Rows(s + l.HeadsA * hd, gammaB, d + l.HeadsA * hd, l.HeadsB, hd);
                if (cos != null) Rope.Rows(d, 1, heads, r % t, hd, dstStride, cosT, sinT);
            }
            if (l.Copy > 0) new ReadOnlySpan<float>(s + heads * hd, l.Copy).CopyTo(new Span<float>(d + heads * hd, l.Copy));
        }
    }

    /// <summary>
    /// In place on grad rows (gradStride apart) of the heads: dL/d(raw) from dL/d(operands), rows [row0, row1);
    /// raw rows (rawStride apart) are the forward's src. dγA, dγB (hd) accumulate.
    /// </summary>
    internal static void BackwardRows(float* raw, int rawStride, float* grad, int gradStride, int row0, int row1, int t, in Layout l,
        float* gammaA, float* gammaB, float* dGammaA, float* dGammaB, float* cosT, float* sinT)
    {
        int hd = l.HeadDim, half = hd / 2, heads = l.HeadsA + l.HeadsB;
        if (hd == 64 && Simd.Level == SimdLevel.Vector512)
        {
            Backward64Rows(raw, rawStride, grad, gradStride, row0, row1, t, l, gammaA, gammaB, dGammaA, dGammaB, cosT, sinT);
            return;
        }
        for (var r = row0; r < row1; r++)
        {
            float* x = raw + (long)r * rawStride, g = grad + (long)r * gradStride;
            if (cosT != null)
                for (var h = 0; h < heads; h++)
                {
                    float* g1 = g + h * hd, g2 = g1 + half, cos = cosT + (long)(r % t) * half, sin = sinT + (long)(r % t) * half;
                    for (var j = 0; j < half; j++)
                    {
                        float a = g1[j], b = g2[j];
                        g1[j] = a * cos[j] + b * sin[j];
                        g2[j] = b * cos[j] - a * sin[j];
                    }
                }
            for (var h = 0; h < heads; h++)
            {
                var inA = h < l.HeadsA;
                var gh = new Span<float>(g + h * hd, hd);
                ZcRmsNormBackward.Backward(new ReadOnlySpan<float>(x + h * hd, hd), new ReadOnlySpan<float>(inA ? gammaA : gammaB, hd), gh, gh,
                    new Span<float>(inA ? dGammaA : dGammaB, hd), 1, hd);
            }
        }
    }

    /// <summary>One 64-wide head: y = (x·r)·(1+γ), then y1' = y1·c − y2·s, y2' = y1·s + y2·c (as Rope).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Forward64(float* x, float* y, float* gamma, float* cos, float* sin)
    {
        Vector512<float> x0 = Vector512.Load(x), x1 = Vector512.Load(x + 16), x2 = Vector512.Load(x + 32), x3 = Vector512.Load(x + 48);
        var acc = Vector512.FusedMultiplyAdd(x0, x0, Vector512<float>.Zero);
        acc = Vector512.FusedMultiplyAdd(x1, x1, acc);
        acc = Vector512.FusedMultiplyAdd(x2, x2, acc);
        acc = Vector512.FusedMultiplyAdd(x3, x3, acc);
        var inv = Vector512.Create(1f / MathF.Sqrt(Vector512.Sum(acc) / 64 + ZcRmsNorm.Eps));
        var one = Vector512.Create(1f);
        var y0 = x0 * inv * (one + Vector512.Load(gamma));
        var y1 = x1 * inv * (one + Vector512.Load(gamma + 16));
        var y2 = x2 * inv * (one + Vector512.Load(gamma + 32));
        var y3 = x3 * inv * (one + Vector512.Load(gamma + 48));
        if (cos != null)
        {
            Vector512<float> c0 = Vector512.Load(cos), c1 = Vector512.Load(cos + 16), s0 = Vector512.Load(sin), s1 = Vector512.Load(sin + 16);
            var r0 = y0 * c0 - y2 * s0;
            var r1 = y1 * c1 - y3 * s1;
            y2 = Vector512.FusedMultiplyAdd(y0, s0, y2 * c0);
            y3 = Vector512.FusedMultiplyAdd(y1, s1, y3 * c1);
            y0 = r0;
            y1 = r1;
        }
        y0.Store(y); y1.Store(y + 16); y2.Store(y + 32); y3.Store(y + 48);
    }

    /// <summary>
    /// hd = 64 backward: per head, g ← RoPE⁻¹(g), then with u = g ⊙ (1+γ) and r = (mean x² + eps)^(−½):
    /// g ← r·u − x·r³·(u·x)/64, dγ += g ⊙ x · r (the rotated g). dγ sums stay in registers over the rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward64Rows(float* raw, int rawStride, float* grad, int gradStride, int row0, int row1, int t, in Layout l,
        float* gammaA, float* gammaB, float* dGammaA, float* dGammaB, float* cosT, float* sinT)
    {
        int heads = l.HeadsA + l.HeadsB;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        for (var r = row0; r < row1; r++)
        {
            float* x = raw + (long)r * rawStride, g = grad + (long)r * gradStride;
            float* cos = cosT == null ? null : cosT + (long)(r % t) * 32, sin = sinT == null ? null : sinT + (long)(r % t) * 32;
            for (var h = 0; h < heads; h++)
            {
                float* xh = x + h * 64, gh = g + h * 64;
                var gamma = h < l.HeadsA ? gammaA : gammaB;
                Vector512<float> g0 = Vector512.Load(gh), g1 = Vector512.Load(gh + 16), g2 = Vector512.Load(gh + 32), g3 = Vector512.Load(gh + 48);
                if (cos != null)
                {
                    Vector512<float> c0 = Vector512.Load(cos), c1 = Vector512.Load(cos + 16), s0 = Vector512.Load(sin), s1 = Vector512.Load(sin + 16);
                    var r0 = g0 * c0 + g2 * s0;
                    var r1 = g1 * c1 + g3 * s1;
                    g2 = g2 * c0 - g0 * s0;
                    g3 = g3 * c1 - g1 * s1;
                    g0 = r0;
                    g1 = r1;
                }
                Vector512<float> x0 = Vector512.Load(xh), x1 = Vector512.Load(xh + 16), x2 = Vector512.Load(xh + 32), x3 = Vector512.Load(xh + 48);
                var ss = Vector512.FusedMultiplyAdd(x0, x0, Vector512.FusedMultiplyAdd(x1, x1, Vector512.FusedMultiplyAdd(x2, x2, x3 * x3)));
                var rs = 1f / MathF.Sqrt(Vector512.Sum(ss) / 64 + ZcRmsNorm.Eps);
                var u0 = g0 * Vector512.Load(gamma) + g0;
                var u1 = g1 * Vector512.Load(gamma + 16) + g1;
                var u2 = g2 * Vector512.Load(gamma + 32) + g2;
                var u3 = g3 * Vector512.Load(gamma + 48) + g3;
                var rv = Vector512.Create(rs);
                if (h < l.HeadsA)
                {
                    a0 = Vector512.FusedMultiplyAdd(g0 * x0, rv, a0); a1 = Vector512.FusedMultiplyAdd(g1 * x1, rv, a1);
                    a2 = Vector512.FusedMultiplyAdd(g2 * x2, rv, a2); a3 = Vector512.FusedMultiplyAdd(g3 * x3, rv, a3);
                }
                else
                {
                    b0 = Vector512.FusedMultiplyAdd(g0 * x0, rv, b0); b1 = Vector512.FusedMultiplyAdd(g1 * x1, rv, b1);
                    b2 = Vector512.FusedMultiplyAdd(g2 * x2, rv, b2); b3 = Vector512.FusedMultiplyAdd(g3 * x3, rv, b3);
                }
                var ux = Vector512.FusedMultiplyAdd(u0, x0, Vector512.FusedMultiplyAdd(u1, x1, Vector512.FusedMultiplyAdd(u2, x2, u3 * x3)));
                var c = Vector512.Create(-rs * rs * rs * Vector512.Sum(ux) / 64);
                Vector512.FusedMultiplyAdd(x0, c, u0 * rv).Store(gh);
                Vector512.FusedMultiplyAdd(x1, c, u1 * rv).Store(gh + 16);
                Vector512.FusedMultiplyAdd(x2, c, u2 * rv).Store(gh + 32);
                Vector512.FusedMultiplyAdd(x3, c, u3 * rv).Store(gh + 48);
            }
        }
        if (l.HeadsA > 0)
        {
            (Vector512.Load(dGammaA) + a0).Store(dGammaA); (Vector512.Load(dGammaA + 16) + a1).Store(dGammaA + 16);
            (Vector512.Load(dGammaA + 32) + a2).Store(dGammaA + 32); (Vector512.Load(dGammaA + 48) + a3).Store(dGammaA + 48);
        }
        if (l.HeadsB > 0)
        {
            (Vector512.Load(dGammaB) + b0).Store(dGammaB); (Vector512.Load(dGammaB + 16) + b1).Store(dGammaB + 16);
            (Vector512.Load(dGammaB + 32) + b2).Store(dGammaB + 32); (Vector512.Load(dGammaB + 48) + b3).Store(dGammaB + 48);
        }
    }

    // ------------------------------------------------------------------ checked span forms and naive twins

    /// <summary>Checked form of the forward over `rows` rows (t divides the positions: row r at r mod t).</summary>
    public static void Forward(ReadOnlySpan<float> src, int srcStride, Span<float> dst, int dstStride, int rows, int t, Layout l,
        ReadOnlySpan<float> gammaA, ReadOnlySpan<float> gammaB, RopeTable? rope)
    {
        Check(src.Length, srcStride, dst.Length, dstStride, rows, t, l, gammaA, gammaB, rope);
        fixed (float* ps = src, pd = dst, ga = gammaA, gb = gammaB, pc = rope?.CosTable, pn = rope?.SinTable)
            ForwardRows(ps, srcStride, pd, dstStride, 0, rows, t, l, ga, gb, pc, pn);
    }

    /// <summary>Checked form of the backward; dγA, dγB (hd) accumulate.</summary>
    public static void Backward(ReadOnlySpan<float> raw, int rawStride, Span<float> grad, int gradStride, int rows, int t, Layout l,
        ReadOnlySpan<float> gammaA, ReadOnlySpan<float> gammaB, Span<float> dGammaA, Span<float> dGammaB, RopeTable? rope)
    {
        Check(raw.Length, rawStride, grad.Length, gradStride, rows, t, l, gammaA, gammaB, rope);
        if (dGammaA.Length < (l.HeadsA > 0 ? l.HeadDim : 0) || dGammaB.Length < (l.HeadsB > 0 ? l.HeadDim : 0))
            throw new ArgumentException("HeadNormRope: dγ spans must be hd long.");
        fixed (float* px = raw, pg = grad, ga = gammaA, gb = gammaB, da = dGammaA, db = dGammaB, pc = rope?.CosTable, pn = rope?.SinTable)
            BackwardRows(px, rawStride, pg, gradStride, 0, rows, t, l, ga, gb, da, db, pc, pn);
    }

    private static void Check(int srcLen, int srcStride, int dstLen, int dstStride, int rows, int t, in Layout l,
        ReadOnlySpan<float> gammaA, ReadOnlySpan<float> gammaB, RopeTable? rope)
    {
        if (t <= 0 || rows < 0) throw new ArgumentException($"HeadNormRope: bad rows {rows} / t {t}.");
        if (rows > 0 && (srcStride < l.Width || dstStride < l.Width || (long)(rows - 1) * srcStride + l.Width > srcLen
                         || (long)(rows - 1) * dstStride + l.Width > dstLen))
            throw new ArgumentException($"HeadNormRope: buffers too short for {rows} rows of {l.Width}.");
        if ((l.HeadsA > 0 && gammaA.Length != l.HeadDim) || (l.HeadsB > 0 && gammaB.Length != l.HeadDim))
            throw new ArgumentException("HeadNormRope: γ must be hd long.");
        if (rope is null) return;
        if (rope.HeadDim != l.HeadDim) throw new ArgumentException($"HeadNormRope: RoPE head_dim {rope.HeadDim} != {l.HeadDim}.");
        rope.Ensure(Math.Min(rows, t));
    }

    /// <summary>The reference forward: naive norm per head group, then naive RoPE, in double inside each.</summary>
    public static void ForwardNaive(ReadOnlySpan<float> src, int srcStride, Span<float> dst, int dstStride, int rows, int t, Layout l,
        ReadOnlySpan<float> gammaA, ReadOnlySpan<float> gammaB, double? ropeTheta)
    {
        int hd = l.HeadDim, heads = l.HeadsA + l.HeadsB;
        for (var r = 0; r < rows; r++)
        {
            var s = src.Slice(r * srcStride, l.Width);
            var d = dst.Slice(r * dstStride, l.Width);
            ZcRmsNorm.ForwardNaive(s[..(l.HeadsA * hd)], gammaA, d[..(l.HeadsA * hd)], l.HeadsA, hd);
            ZcRmsNorm.ForwardNaive(s.Slice(l.HeadsA * hd, l.HeadsB * hd), gammaB, d.Slice(l.HeadsA * hd, l.HeadsB * hd), l.HeadsB, hd);
            if (ropeTheta is { } theta) Rope.ForwardNaive(d[..(heads * hd)], 1, heads, hd, r % t, theta);
            s[(heads * hd)..].CopyTo(d[(heads * hd)..]);
        }
    }

    /// <summary>The reference backward: naive inverse rotation, then the naive norm backward per head group.</summary>
    public static void BackwardNaive(ReadOnlySpan<float> raw, int rawStride, Span<float> grad, int gradStride, int rows, int t, Layout l,
        ReadOnlySpan<float> gammaA, ReadOnlySpan<float> gammaB, Span<float> dGammaA, Span<float> dGammaB, double? ropeTheta)
    {
        int hd = l.HeadDim, heads = l.HeadsA + l.HeadsB;
        for (var r = 0; r < rows; r++)
        {
            var x = raw.Slice(r * rawStride, l.Width);
            var g = grad.Slice(r * gradStride, l.Width);
            if (ropeTheta is { } theta) RopeBackward.BackwardNaive(g[..(heads * hd)], 1, heads, hd, r % t, theta);
            for (var h = 0; h < heads; h++)
            {
                var inA = h < l.HeadsA;
                var gh = g.Slice(h * hd, hd);
                var copy = gh.ToArray();
                ZcRmsNormBackward.BackwardNaive(x.Slice(h * hd, hd), inA ? gammaA : gammaB, copy, gh, inA ? dGammaA : dGammaB, 1, hd);
            }
        }
    }
}
