using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// Training attention (needle-model.md §2, packed masks): query i of row b may see key j iff
/// qSeg[b,i] == kSeg[b,j] && qSeg[b,i] > 0 (&& j ≤ i when causal). Disallowed scores are float.MinValue, so padding
/// queries (seg 0) attend uniformly to every key, exactly like upstream. GQA: query head h reads KV head h / (H / KV).
/// Layouts as <see cref="Attention"/>: token-major rows with explicit strides (q, k, v may sit in one fused buffer).
/// Work is done per run of equal query segment ids over that segment's key window only (packed rows keep segments
/// contiguous), so a row of several examples costs Σ len² instead of T². The backward recomputes the probabilities
/// (no (B, H, T, T) tensor is kept) and writes dQ, dK, dV in the same strided layout; dK/dV of a KV head sum over its
/// query heads, so backward work is split by (batch row, KV head).
/// </summary>
public static unsafe class SegmentAttention
{
    public struct Args
    {
        public float* Q, K, V, O;            // forward operands; O = output (forward) or dO (backward)
        public float* DQ, DK, DV;            // backward outputs (strides as Q, K, V)
        public float* Lse;                   // optional (B, H, Tq): the forward stores each row's logsumexp of the scaled
                                             // scores; the backward then rebuilds P in one pass instead of a softmax
        public int* QSeg, KSeg;              // (B, Tq), (B, Tk)
        public AttentionStrides S;
        public int Batch, Tq, Tk, Heads, KvHeads, HeadDim;
        public bool Causal;
        public float Scale;
    }

    /// <summary>out (B, Tq, H·hd) via <see cref="Args.O"/>.</summary>
    public static void Forward(in Args a, bool parallel = true)
    {
        Validate(a);
        var args = a;
        var items = a.Batch * a.Heads;
        if (!parallel || Small(a, items)) for (var i = 0; i < items; i++) ForwardItem(args, i);
        else WorkerPool.Shared.For(items, i => ForwardItem(args, i));
    }

    /// <summary>dQ (overwritten), dK and dV (overwritten) from dO (in <see cref="Args.O"/>).</summary>
    public static void Backward(in Args a, bool parallel = true)
    {
        Validate(a);
        var args = a;
        var items = a.Batch * a.KvHeads;
        if (!parallel || Small(a, items)) for (var i = 0; i < items; i++) BackwardItem(args, i);
        else WorkerPool.Shared.For(items, i => BackwardItem(args, i));
    }

    /// <summary>Tiny problems stay on the calling thread: waking the pool costs more than the work.</summary>
    private static bool Small(in Args a, int items) => items == 1 || (long)a.Batch * a.Heads * a.Tq * a.Tk * a.HeadDim < 1 << 17;

    private static void Validate(in Args a)
    {
        if (a.Heads % a.KvHeads != 0) throw new ArgumentException($"SegmentAttention: heads {a.Heads} not a multiple of kv heads {a.KvHeads}.");
        if (a.QSeg == null || a.KSeg == null) throw new ArgumentException("SegmentAttention: segment ids are required.");
    }

    [ThreadStatic] private static float[]? _p, _dp, _rowScale;
    [ThreadStatic] private static bool[]? _uniform;

    private static float[] Scratch(ref float[]? buf, int n)
    {
        if (buf is null || buf.Length < n) buf = GC.AllocateUninitializedArray<float>(Math.Max(n, 4096), pinned: true);
        return buf;
    }

    /// <summary>
    /// A run of consecutive queries with one segment id and the key window [K0, K1) holding every key any of them may
    /// see. Packed rows keep segments contiguous, so the window is the segment's own span and the work outside it
    /// (other examples, padding) is skipped. Uniform runs (padding queries, or a segment with no keys) average all keys.
    /// </summary>
    private readonly record struct Run(int I0, int I1, int Seg, int K0, int K1)
    {
        public bool Uniform => Seg <= 0 || K1 <= K0;
    }

    /// <summary>Next query run starting at i0 for batch row b.</summary>
    private static Run NextRun(in Args a, int* qs, int* ks, int i0)
    {
        var seg = qs[i0];
        var i1 = i0 + 1;
        while (i1 < a.Tq && qs[i1] == seg) i1++;
        if (seg <= 0) return new Run(i0, i1, seg, 0, 0);
        int k0 = -1, k1 = 0;
        for (var j = 0; j < a.Tk; j++)
            if (ks[j] == seg) { if (k0 < 0) k0 = j; k1 = j + 1; }
        if (k0 < 0) return new Run(i0, i1, seg, 0, 0);
        if (a.Causal) k1 = Math.Min(k1, i1);
        return new Run(i0, i1, seg, k0, Math.Max(k0, k1));
    }

    /// <summary>
    /// P (m, kn) = masked softmax over the run's key window for one (b, h); rows with no allowed key are flagged in
    /// uniform[] (their true distribution is uniform over all Tk keys, handled by the caller) and zeroed here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    /// <param name="rowScale">Forward only (may be null): rows it is given for are left unnormalized, exp(s − max),
    /// with 1/Σ in rowScale[i] for the caller to apply to the (m, hd) output instead of the (m, kn) scores; other rows
    /// get 1.</param>
    private static void Probabilities(in Args a, int b, int h, in Run r, float* p, bool[] uniform, bool backward = false,
        float* rowScale = null)
    {
        // Forward with Lse: store each row's logsumexp; backward with Lse: P = exp(S·scale − lse), one pass.
        var lse = a.Lse == null ? null : a.Lse + ((long)b * a.Heads + h) * a.Tq + r.I0;
        var fromLse = backward && lse != null;
        int kvh = h / (a.Heads / a.KvHeads), hd = a.HeadDim, m = r.I1 - r.I0, kn = r.K1 - r.K0;
        var q = a.Q + b * a.S.QBatch + (long)r.I0 * a.S.QRow + h * hd;
        var k = a.K + b * a.S.KBatch + (long)r.K0 * a.S.KRow + kvh * hd;
        Gemm.MatMul(q, a.S.QRow, false, k, a.S.KRow, true, p, kn, m, kn, hd, accumulate: false, parallel: false);
        int* ks = a.KSeg + (long)b * a.Tk;
        // Packed rows: every key of the window belongs to the segment, so the mask is "all" (or a causal prefix)
        // and the row work is vectorized; otherwise fall back to the per-element test.
        var whole = true;
        for (var j = r.K0; j < r.K1 && whole; j++) whole = ks[j] == r.Seg;
        for (var i = 0; i < m; i++)
        {
            var row = new Span<float>(p + (long)i * kn, kn);
            if (whole)
            {
                // keys K0 … last are allowed (last = K1−1, or the query itself when causal)
                var allowed = a.Causal ? Math.Min(kn, r.I0 + i - r.K0 + 1) : kn;
                uniform[i] = allowed <= 0;
                if (rowScale != null) rowScale[i] = 1f;
                if (allowed <= 0) { row.Clear(); continue; }
                if (fromLse)
                {
                    Softmax.ExpFromLse(row[..allowed], a.Scale, lse[i]);
                    row[allowed..].Clear();
                    continue;
                }
                if (rowScale != null && lse != null && a.Scale > 0f && Simd.Level == SimdLevel.Vector512)
                {
                    var sum = ScaledExpRow(p + (long)i * kn, allowed, a.Scale, out var max);
                    row[allowed..].Clear();
                    rowScale[i] = 1f / sum;
                    lse[i] = max + MathF.Log(sum);
                    continue;
                }
                System.Numerics.Tensors.TensorPrimitives.Multiply(row[..allowed], a.Scale, row[..allowed]);
                row[allowed..].Fill(float.MinValue);
                if (lse != null) lse[i] = Softmax.RowLse(row);
                else Softmax.Row(row);
                continue;
            }
            if (rowScale != null) rowScale[i] = 1f;
            var last = a.Causal ? r.I0 + i : int.MaxValue;
            var count = 0;
            for (var j = 0; j < kn; j++)
            {
                var ok = ks[r.K0 + j] == r.Seg && r.K0 + j <= last;
                row[j] = ok ? fromLse ? MathF.Exp(row[j] * a.Scale - lse[i]) : row[j] * a.Scale : fromLse ? 0f : float.MinValue;
                count += ok ? 1 : 0;
            }
            uniform[i] = count == 0;
            if (count == 0) row.Clear();
            else if (fromLse) continue;
            else if (lse != null) lse[i] = Softmax.RowLse(row);
            else Softmax.Row(row);
        }
    }

    /// <summary>mean (hd) of the KV head's value rows over all Tk keys (what a fully masked query returns).</summary>
    private static void ValueMean(in Args a, float* v, float* mean)
    {
        var acc = new Span<float>(mean, a.HeadDim);
        acc.Clear();
        for (var j = 0; j < a.Tk; j++) System.Numerics.Tensors.TensorPrimitives.Add(acc, new ReadOnlySpan<float>(v + (long)j * a.S.VRow, a.HeadDim), acc);
        System.Numerics.Tensors.TensorPrimitives.Multiply(acc, 1f / a.Tk, acc);
    }

    private static void ForwardItem(in Args a, int item)
    {
        int b = item / a.Heads, h = item % a.Heads, kvh = h / (a.Heads / a.KvHeads), hd = a.HeadDim;
        int* qs = a.QSeg + (long)b * a.Tq, ks = a.KSeg + (long)b * a.Tk;
        var v = a.V + b * a.S.VBatch + kvh * hd;
        var o = a.O + b * a.S.OBatch + h * hd;
        var uniform = _uniform is { } u && u.Length >= a.Tq ? u : _uniform = new bool[Math.Max(a.Tq, 256)];
        var mean = stackalloc float[hd];
        var haveMean = false;
        fixed (float* p = Scratch(ref _p, a.Tq * a.Tk), rowScale = Scratch(ref _rowScale, a.Tq))
        {
            for (var i0 = 0; i0 < a.Tq;)
            {
                var r = NextRun(a, qs, ks, i0);
                i0 = r.I1;
                if (!r.Uniform)
                {
                    Probabilities(a, b, h, r, p, uniform, rowScale: rowScale);
                    Gemm.MatMul(p, r.K1 - r.K0, false, v + (long)r.K0 * a.S.VRow, a.S.VRow, false, o + (long)r.I0 * a.S.ORow, a.S.ORow,
                        r.I1 - r.I0, hd, r.K1 - r.K0, accumulate: false, parallel: false);
                    // Rows left unnormalized: O = (E · V) / Σ, hd values per row instead of kn.
                    for (var i = 0; i < r.I1 - r.I0; i++)
                        if (rowScale[i] != 1f)
                        {
                            var orow = new Span<float>(o + (long)(r.I0 + i) * a.S.ORow, hd);
                            System.Numerics.Tensors.TensorPrimitives.Multiply(orow, rowScale[i], orow);
                        }
                }
                for (var i = r.I0; i < r.I1; i++)
                {
                    if (!r.Uniform && !uniform[i - r.I0]) continue;
                    if (!haveMean) { ValueMean(a, v, mean); haveMean = true; }
                    new ReadOnlySpan<float>(mean, hd).CopyTo(new Span<float>(o + (long)i * a.S.ORow, hd));
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardItem(in Args a, int item)
    {
        int b = item / a.KvHeads, kvh = item % a.KvHeads, group = a.Heads / a.KvHeads, hd = a.HeadDim;
        int tq = a.Tq, tk = a.Tk;
        var k = a.K + b * a.S.KBatch + kvh * hd;
        var v = a.V + b * a.S.VBatch + kvh * hd;
        var dk = a.DK + b * a.S.KBatch + kvh * hd;
        var dv = a.DV + b * a.S.VBatch + kvh * hd;
        int* qs = a.QSeg + (long)b * tq, ks = a.KSeg + (long)b * tk;
        for (var j = 0; j < tk; j++)
        {
            new Span<float>(dk + (long)j * a.S.KRow, hd).Clear();
            new Span<float>(dv + (long)j * a.S.VRow, hd).Clear();
        }
        var uniform = _uniform is { } u && u.Length >= tq ? u : _uniform = new bool[Math.Max(tq, 256)];
        var dvAll = stackalloc float[hd]; // Σ dO / Tk of uniform rows: added to every value row at the end
        new Span<float>(dvAll, hd).Clear();
        fixed (float* p = Scratch(ref _p, tq * tk), dp = Scratch(ref _dp, tq * tk))
        {
            for (var g = 0; g < group; g++)
            {
                var h = kvh * group + g;
                var q = a.Q + b * a.S.QBatch + h * hd;
                var dO = a.O + b * a.S.OBatch + h * hd;
                var dq = a.DQ + b * a.S.QBatch + h * hd;
                for (var i0 = 0; i0 < tq;)
                {
                    var r = NextRun(a, qs, ks, i0);
                    i0 = r.I1;
                    int m = r.I1 - r.I0, kn = r.K1 - r.K0;
                    if (!r.Uniform)
                    {
                        var qr = q + (long)r.I0 * a.S.QRow;
                        var dOr = dO + (long)r.I0 * a.S.ORow;
                        Probabilities(a, b, h, r, p, uniform, backward: true);
                        // dV[win] += Pᵀ · dO ; dP (m, kn) = dO · V[win]ᵀ
                        Gemm.MatMul(p, kn, true, dOr, a.S.ORow, false, dv + (long)r.K0 * a.S.VRow, a.S.VRow, kn, hd, m, accumulate: true, parallel: false);
                        Gemm.MatMul(dOr, a.S.ORow, false, v + (long)r.K0 * a.S.VRow, a.S.VRow, true, dp, kn, m, kn, hd, accumulate: false, parallel: false);
                        // dS = P ⊙ (dP − Σ_j P·dP) · scale; masked entries have P = 0, so they get no gradient.
                        for (var i = 0; i < m; i++)
                            ScoreGradientRow(p + (long)i * kn, dp + (long)i * kn, kn, a.Scale);
                        // dQ (m, hd) = dS · K[win] ; dK[win] += dSᵀ · Q
                        Gemm.MatMul(dp, kn, false, k + (long)r.K0 * a.S.KRow, a.S.KRow, false, dq + (long)r.I0 * a.S.QRow, a.S.QRow, m, hd, kn, accumulate: false, parallel: false);
                        Gemm.MatMul(dp, kn, true, qr, a.S.QRow, false, dk + (long)r.K0 * a.S.KRow, a.S.KRow, kn, hd, m, accumulate: true, parallel: false);
                    }
                    for (var i = r.I0; i < r.I1; i++)
                    {
                        if (!r.Uniform && !uniform[i - r.I0]) continue;
                        // Uniform row: out = mean of all values; no score gradient, dV += dO / Tk on every key.
                        new Span<float>(dq + (long)i * a.S.QRow, hd).Clear();
                        System.Numerics.Tensors.TensorPrimitives.Add(new Span<float>(dvAll, hd), new ReadOnlySpan<float>(dO + (long)i * a.S.ORow, hd), new Span<float>(dvAll, hd));
                    }
                }
            }
        }
        var add = new Span<float>(dvAll, hd);
        System.Numerics.Tensors.TensorPrimitives.Multiply(add, 1f / tk, add);
        for (var j = 0; j < tk; j++)
        {
            var row = new Span<float>(dv + (long)j * a.S.VRow, hd);
            System.Numerics.Tensors.TensorPrimitives.Add(row, add, row);
        }
    }

    /// <summary>
    /// x[j] ← exp(x[j]·scale − max) over n raw scores in two passes (max of the raw row, then exp and sum), the
    /// forward's unnormalized softmax row; returns Σ and the scaled max. scale &gt; 0, so max(x)·scale is the max of
    /// the scaled row exactly. Vector512 only (callers check the level).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ScaledExpRow(float* x, int n, float scale, out float max)
    {
        var j = 0;
        var mv = Vector512.Create(float.MinValue);
        for (; j <= n - 16; j += 16) mv = Vector512.Max(mv, Vector512.Load(x + j));
        var m = Ops512.MaxAcross(mv);
        for (; j < n; j++) m = MathF.Max(m, x[j]);
        max = m * scale;
        Vector512<float> sv = Vector512.Create(scale), maxv = Vector512.Create(max), acc = Vector512<float>.Zero;
        for (j = 0; j <= n - 16; j += 16)
        {
            var e = VecExp.Exp(Vector512.Load(x + j) * sv - maxv);
            e.Store(x + j);
            acc += e;
        }
        var sum = Vector512.Sum(acc);
        for (; j < n; j++) sum += x[j] = MathF.Exp(x[j] * scale - max);
        return sum;
    }

    /// <summary>dS row in place of dP: P ⊙ (dP − Σ_j P·dP) · scale, the subtract and both products in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoreGradientRow(float* p, float* dp, int n, float scale)
    {
        var dot = System.Numerics.Tensors.TensorPrimitives.Dot(new ReadOnlySpan<float>(p, n), new ReadOnlySpan<float>(dp, n));
        var j = 0;
        if (Simd.Level == SimdLevel.Vector512)
        {
            Vector512<float> d = Vector512.Create(dot), s = Vector512.Create(scale);
            for (; j <= n - 16; j += 16) ((Vector512.Load(dp + j) - d) * Vector512.Load(p + j) * s).Store(dp + j);
        }
        for (; j < n; j++) dp[j] = (dp[j] - dot) * p[j] * scale;
    }

    // ------------------------------------------------------------------ naive twins (contiguous layouts)

    /// <summary>Reference forward in double: q (B, Tq, H·hd), k/v (B, Tk, KV·hd), out (B, Tq, H·hd).</summary>
    public static void ForwardNaive(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        ReadOnlySpan<int> qSeg, ReadOnlySpan<int> kSeg, int batch, int tq, int tk, int heads, int kvHeads, int hd, bool causal, float scale)
    {
        var p = new double[tk];
        for (var b = 0; b < batch; b++)
        for (var h = 0; h < heads; h++)
        for (var i = 0; i < tq; i++)
        {
            NaiveRow(q, k, qSeg, kSeg, b, h, i, tq, tk, heads, kvHeads, hd, causal, scale, p, out _);
            var kvh = h / (heads / kvHeads);
            for (var d = 0; d < hd; d++)
            {
                double acc = 0;
                for (var j = 0; j < tk; j++) acc += p[j] * v[((b * tk + j) * kvHeads + kvh) * hd + d];
                output[((b * tq + i) * heads + h) * hd + d] = (float)acc;
            }
        }
    }

    /// <summary>Reference backward in double: dQ, dK, dV overwritten, same layouts as the forward operands.</summary>
    public static void BackwardNaive(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<float> dOut,
        Span<float> dQ, Span<float> dK, Span<float> dV,
        ReadOnlySpan<int> qSeg, ReadOnlySpan<int> kSeg, int batch, int tq, int tk, int heads, int kvHeads, int hd, bool causal, float scale)
    {
        var dq = new double[dQ.Length];
        var dk = new double[dK.Length];
        var dv = new double[dV.Length];
        var p = new double[tk];
        var dp = new double[tk];
        for (var b = 0; b < batch; b++)
        for (var h = 0; h < heads; h++)
        for (var i = 0; i < tq; i++)
        {
            var kvh = h / (heads / kvHeads);
            NaiveRow(q, k, qSeg, kSeg, b, h, i, tq, tk, heads, kvHeads, hd, causal, scale, p, out var allowed);
            var oi = ((b * tq + i) * heads + h) * hd;
            double dot = 0;
            for (var j = 0; j < tk; j++)
            {
                var vj = ((b * tk + j) * kvHeads + kvh) * hd;
                double s = 0;
                for (var d = 0; d < hd; d++)
                {
                    s += (double)dOut[oi + d] * v[vj + d];
                    dv[vj + d] += p[j] * dOut[oi + d];
                }
                dp[j] = s;
                dot += p[j] * s;
            }
            for (var j = 0; j < tk; j++)
            {
                if (!allowed[j]) continue;
                var ds = p[j] * (dp[j] - dot) * scale;
                var kj = ((b * tk + j) * kvHeads + kvh) * hd;
                for (var d = 0; d < hd; d++)
                {
                    dq[oi + d] += ds * k[kj + d];
                    dk[kj + d] += ds * q[oi + d];
                }
            }
        }
        for (var i = 0; i < dq.Length; i++) dQ[i] = (float)dq[i];
        for (var i = 0; i < dk.Length; i++) dK[i] = (float)dk[i];
        for (var i = 0; i < dv.Length; i++) dV[i] = (float)dv[i];
    }

    private static void NaiveRow(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<int> qSeg, ReadOnlySpan<int> kSeg,
        int b, int h, int i, int tq, int tk, int heads, int kvHeads, int hd, bool causal, float scale, double[] p, out bool[] allowed)
    {
        var kvh = h / (heads / kvHeads);
        allowed = new bool[tk];
        var seg = qSeg[b * tq + i];
        for (var j = 0; j < tk; j++)
        {
            allowed[j] = seg > 0 && kSeg[b * tk + j] == seg && (!causal || j <= i);
            if (!allowed[j]) { p[j] = float.MinValue; continue; }
            double dot = 0;
            for (var d = 0; d < hd; d++)
                dot += (double)q[((b * tq + i) * heads + h) * hd + d] * k[((b * tk + j) * kvHeads + kvh) * hd + d];
            p[j] = dot * scale;
        }
        double max = double.MinValue, sum = 0;
        for (var j = 0; j < tk; j++) max = Math.Max(max, p[j]);
        for (var j = 0; j < tk; j++) sum += p[j] = Math.Exp(p[j] - max);
        for (var j = 0; j < tk; j++) p[j] /= sum;
    }
}
