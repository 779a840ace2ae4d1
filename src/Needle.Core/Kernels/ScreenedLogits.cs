using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// Exact greedy logits from a (V, K) matrix while reading mostly an int8 copy of it. At 26M the tied output matrix is
/// 8 MB of float16, a quarter of what a decode step reads; its int8 copy is 4.5 MB, and only the rows that could
/// still be the greedy choice are then computed from the stored rows, by the very dot product <see cref="MatVec"/>
/// uses, so those values are bit-identical to the full product.
/// <para>
/// Why it is exact: for row r with stored weights w (float16 or float32), int8 copy w̃ and x = the hidden state,
/// |fl(w·x) − fl(w̃·x)| ≤ ‖w − w̃‖·‖x‖ + γ·(‖w‖ + ‖w̃‖)·‖x‖ (Cauchy–Schwarz, plus float32 rounding of both sums in
/// any order, γ = (K+4)·2⁻²⁴/(1 − (K+4)·2⁻²⁴)). The slope holds that factor per row, rounded up, so
/// fl(w̃·x) ± slope·‖x‖ brackets what the full product returns. Rows whose upper bound is below the best lower bound
/// cannot win, so they keep their upper bound; every other row gets its exact value.
/// </para>
/// <para>
/// Afterwards the logits are exact where <c>exact[r]</c> and an upper bound elsewhere, and every non-exact value is
/// below some exact one. So the unmasked argmax (first index of the maximum, as numpy) picks an exact row with the full
/// product's answer; a masked choice that lands on a non-exact row calls <see cref="Refine"/> and chooses again.
/// </para>
/// </summary>
public sealed unsafe class ScreenedLogits
{
    private readonly PackedRows _stored;   // (V, K): float16 or float32, as the full product reads them
    private readonly PackedRows _screen;   // (V, K): int8 with per-group scales
    private readonly float[] _slope;       // (V): bound on |exact − screened| per unit of ‖x‖

    private ScreenedLogits(PackedRows stored, PackedRows screen, float[] slope)
    {
        _stored = stored; _screen = screen; _slope = slope;
    }

    public int Rows => _stored.Rows;

    /// <summary>The screen for stored float16/float32 rows; null for int8 rows (nothing to gain) or non-finite weights.</summary>
    public static ScreenedLogits? TryCreate(PackedRows stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Precision == WeightPrecision.Int8) return null;
        int n = stored.Rows, k = stored.Cols, groups = (k + PackedRows.GroupSize - 1) / PackedRows.GroupSize;
        var gamma = (k + 4) * Math.Pow(2, -24);
        gamma /= 1 - gamma;
        var q = new sbyte[(long)n * k];
        var scales = new float[(long)n * groups];
        var slope = new float[n];
        var finite = true;
        // Row by row from the stored values (no float32 copy of the matrix: ~16 MB at 26M), in parallel blocks.
        Parallel.For(0, (n + 255) / 256, block =>
        {
            var row = new float[k];
            for (int r = block * 256, end = Math.Min(n, r + 256); r < end && finite; r++)
            {
                fixed (float* dst = row)
                {
                    if (stored.Single is { } single) single.AsSpan(r * k, k).CopyTo(row);
                    else fixed (ushort* h = stored.Half) MatVec.WidenRow(Simd.Level, h + (long)r * k, dst, k);
                }
                var qr = q.AsSpan(r * k, k);
                var sr = scales.AsSpan(r * groups, groups);
                if (PackedRows.QuantizeRow(row, qr, sr) is not null) { finite = false; return; }
                double residual = 0, norm = 0, screenNorm = 0;
                for (var c = 0; c < k; c++)
                {
                    double w = row[c], wq = qr[c] * (double)sr[c / PackedRows.GroupSize]; // the int8 kernel's weight is q · scale
                    residual += (w - wq) * (w - wq);
                    norm += w * w;
                    screenNorm += wq * wq;
                }
                var bound = Math.Sqrt(residual) + gamma * (Math.Sqrt(norm) + Math.Sqrt(screenNorm));
                slope[r] = RoundUp(bound * (1 + 1e-6) + 1e-30);
            }
        });
        if (!finite) return null;
        var screen = PackedRows.FromInt8(n, k, q, scales);
        return new ScreenedLogits(stored, screen, slope);
    }

    /// <summary>
    /// logits (V) for one hidden vector x (K): exact where exact[r] is set, an upper bound elsewhere. Returns how many
    /// rows were computed exactly. A non-finite x computes every row exactly (the bounds would mean nothing).
    /// </summary>
    public int Forward(ReadOnlySpan<float> x, Span<float> logits, Span<bool> exact, out float xNorm)
    {
        int n = Rows, k = _stored.Cols;
        if (x.Length < k || logits.Length < n || exact.Length < n) throw new ArgumentException($"ScreenedLogits: need x ({k}), logits and exact ({n}).");
        xNorm = Norm(x[..k]);
        if (!float.IsFinite(xNorm))
        {
            MatVec.Forward(x, _stored, logits, 1);
            exact[..n].Fill(true);
            return n;
        }
        MatVec.Forward(x, _screen, logits, 1);                     // (V) screened
        // Lower bounds first: the best one decides which rows can still win.
        var best = BestLower(logits, xNorm);
        if (!float.IsFinite(best))                                 // overflow: no usable bound
        {
            MatVec.Forward(x, _stored, logits, 1);
            exact[..n].Fill(true);
            return n;
        }
        var computed = 0;
        exact[..n].Clear();
        var r = 0;
        fixed (float* px = x, pl = logits, pslope = _slope)
        {
            if (Simd.Level == SimdLevel.Vector512)
            {
                // Upper bounds sixteen rows at a time (the same float operations as Upper); rows that reach best go exact.
                var xn = Vector512.Create(xNorm);
                var margin = Vector512.Create(Margin);
                var threshold = Vector512.Create(best);
                for (; r <= n - 16; r += 16)
                {
                    var v = Vector512.Load(pl + r);
                    var b = Vector512.Load(pslope + r) * xn;
                    var upper = v + b + (Vector512.Abs(v) + b) * margin;
                    upper.Store(pl + r);
                    var hits = Vector512.GreaterThanOrEqual(upper, threshold).ExtractMostSignificantBits();
                    for (; hits != 0; hits &= hits - 1)
                    {
                        var row = r + System.Numerics.BitOperations.TrailingZeroCount(hits);
                        pl[row] = MatVec.RowDot(_stored, px, row);
                        exact[row] = true;
                        computed++;
                    }
                }
            }
            for (; r < n; r++)
            {
                var upper = Upper(logits[r], r, xNorm);
                if (upper >= best)
                {
                    logits[r] = MatVec.RowDot(_stored, px, r);
                    exact[r] = true;
                    computed++;
                }
                else logits[r] = upper;
            }
        }
        return computed;
    }

    /// <summary>
    /// After a masked choice landed on non-exact row <paramref name="id"/>: makes it exact and, with
    /// <paramref name="all"/>, every row whose upper bound reaches its exact value, which guarantees the next masked
    /// choice lands on an exact row. Returns how many rows were computed.
    /// </summary>
    public int Refine(ReadOnlySpan<float> x, int id, Span<float> logits, Span<bool> exact, bool all)
    {
        var computed = 0;
        fixed (float* px = x)
        {
            if (!exact[id])
            {
                logits[id] = MatVec.RowDot(_stored, px, id);
                exact[id] = true;
                computed++;
            }
            if (!all) return computed;
            var threshold = logits[id];
            for (var r = 0; r < Rows; r++)
            {
                if (exact[r] || !(logits[r] >= threshold)) continue;
                logits[r] = MatVec.RowDot(_stored, px, r);
                exact[r] = true;
                computed++;
            }
        }
        return computed;
    }

    /// <summary>max over rows of <see cref="Lower"/>: the same float operations, sixteen rows at a time where Vector512 runs.</summary>
    private float BestLower(ReadOnlySpan<float> screened, float xNorm)
    {
        var best = float.NegativeInfinity;
        var r = 0;
        if (Simd.Level == SimdLevel.Vector512)
        {
            var acc = Vector512.Create(float.NegativeInfinity);
            var xn = Vector512.Create(xNorm);
            var margin = Vector512.Create(Margin);
            fixed (float* ps = screened, pslope = _slope)
                for (; r <= Rows - 16; r += 16)
                {
                    var v = Vector512.Load(ps + r);
                    var b = Vector512.Load(pslope + r) * xn;
                    acc = Vector512.Max(acc, v - b - (Vector512.Abs(v) + b) * margin); // Max propagates a NaN, like MathF.Max
                }
            for (var i = 0; i < 16; i++) best = MathF.Max(best, acc[i]);
        }
        for (; r < Rows; r++) best = MathF.Max(best, Lower(screened[r], r, xNorm));
        return best;
    }

    // The bounds in float32 with a margin of 2⁻²¹ of the magnitudes involved: more than the few roundings of this
    // arithmetic (≤ 2⁻²⁴ each), so the float results still bracket the exact value.
    private float Upper(float screened, int r, float xNorm)
    {
        var b = _slope[r] * xNorm;
        return screened + b + (MathF.Abs(screened) + b) * Margin;
    }

    private float Lower(float screened, int r, float xNorm)
    {
        var b = _slope[r] * xNorm;
        return screened - b - (MathF.Abs(screened) + b) * Margin;
    }

    private const float Margin = 1f / (1 << 21);

    /// <summary>‖x‖₂ in double, rounded up to float.</summary>
    private static float Norm(ReadOnlySpan<float> x)
    {
        double ss = 0;
        foreach (var v in x) ss += (double)v * v;
        return RoundUp(Math.Sqrt(ss) * (1 + 1e-12));
    }

    private static float RoundUp(double v)
    {
        var f = (float)v;
        return f < v ? MathF.BitIncrement(f) : f;
    }
}
