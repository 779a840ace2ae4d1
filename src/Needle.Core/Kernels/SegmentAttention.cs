using System.Runtime.CompilerServices;

namespace Needle.Core.Kernels;

/// <summary>
/// Training attention (needle-model.md §2, packed masks): query i of row b may see key j iff
/// qSeg[b,i] == kSeg[b,j] && qSeg[b,i] > 0 (&& j ≤ i when causal). Disallowed scores are float.MinValue, so padding
/// queries (seg 0) attend uniformly to every key, exactly like upstream. GQA: query head h reads KV head h / (H / KV).
/// Layouts as <see cref="Attention"/>: token-major rows with explicit strides (q, k, v may sit in one fused buffer).
/// The backward recomputes the probabilities (no (B, H, T, T) tensor is kept) and writes dQ, dK, dV in the same
/// strided layout; dK/dV of a KV head sum over its query heads, so work is split by (batch row, KV head).
/// </summary>
public static unsafe class SegmentAttention
{
    public struct Args
    {
        public float* Q, K, V, O;            // forward operands; O = output (forward) or dO (backward)
        public float* DQ, DK, DV;            // backward outputs (strides as Q, K, V)
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
        if (!parallel) for (var i = 0; i < items; i++) ForwardItem(args, i);
        else WorkerPool.Shared.For(items, i => ForwardItem(args, i));
    }

    /// <summary>dQ (overwritten), dK and dV (overwritten) from dO (in <see cref="Args.O"/>).</summary>
    public static void Backward(in Args a, bool parallel = true)
    {
        Validate(a);
        var args = a;
        var items = a.Batch * a.KvHeads;
        if (!parallel) for (var i = 0; i < items; i++) BackwardItem(args, i);
        else WorkerPool.Shared.For(items, i => BackwardItem(args, i));
    }

    private static void Validate(in Args a)
    {
        if (a.Heads % a.KvHeads != 0) throw new ArgumentException($"SegmentAttention: heads {a.Heads} not a multiple of kv heads {a.KvHeads}.");
        if (a.QSeg == null || a.KSeg == null) throw new ArgumentException("SegmentAttention: segment ids are required.");
    }

    [ThreadStatic] private static float[]? _p, _dp;

    private static float[] Scratch(ref float[]? buf, int n)
    {
        if (buf is null || buf.Length < n) buf = GC.AllocateUninitializedArray<float>(Math.Max(n, 4096), pinned: true);
        return buf;
    }

    /// <summary>P (Tq, Tk) = masked softmax(q_h · kᵀ · scale) for one (b, h).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Probabilities(in Args a, int b, int h, float* p)
    {
        int kvh = h / (a.Heads / a.KvHeads), hd = a.HeadDim;
        var q = a.Q + b * a.S.QBatch + h * hd;
        var k = a.K + b * a.S.KBatch + kvh * hd;
        Gemm.MatMul(q, a.S.QRow, false, k, a.S.KRow, true, p, a.Tk, a.Tq, a.Tk, hd, accumulate: false, parallel: false);
        int* qs = a.QSeg + (long)b * a.Tq, ks = a.KSeg + (long)b * a.Tk;
        for (var i = 0; i < a.Tq; i++)
        {
            var row = new Span<float>(p + (long)i * a.Tk, a.Tk);
            var seg = qs[i];
            var last = a.Causal ? i : a.Tk - 1;
            for (var j = 0; j < row.Length; j++)
                row[j] = seg > 0 && ks[j] == seg && j <= last ? row[j] * a.Scale : float.MinValue;
            Softmax.Row(row);
        }
    }

    private static void ForwardItem(in Args a, int item)
    {
        int b = item / a.Heads, h = item % a.Heads, kvh = h / (a.Heads / a.KvHeads), hd = a.HeadDim;
        fixed (float* p = Scratch(ref _p, a.Tq * a.Tk))
        {
            Probabilities(a, b, h, p);
            var v = a.V + b * a.S.VBatch + kvh * hd;
            var o = a.O + b * a.S.OBatch + h * hd;
            Gemm.MatMul(p, a.Tk, false, v, a.S.VRow, false, o, a.S.ORow, a.Tq, hd, a.Tk, accumulate: false, parallel: false);
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
        fixed (float* p = Scratch(ref _p, tq * tk), dp = Scratch(ref _dp, tq * tk))
        {
            for (var g = 0; g < group; g++)
            {
                var h = kvh * group + g;
                var q = a.Q + b * a.S.QBatch + h * hd;
                var dO = a.O + b * a.S.OBatch + h * hd;
                var dq = a.DQ + b * a.S.QBatch + h * hd;
                var acc = g > 0;
                Probabilities(a, b, h, p);
                // dV (Tk, hd) += Pᵀ · dO ; dP (Tq, Tk) = dO · Vᵀ
                Gemm.MatMul(p, tk, true, dO, a.S.ORow, false, dv, a.S.VRow, tk, hd, tq, accumulate: acc, parallel: false);
                Gemm.MatMul(dO, a.S.ORow, false, v, a.S.VRow, true, dp, tk, tq, tk, hd, accumulate: false, parallel: false);
                // dS = P ⊙ (dP − Σ_j P·dP) · scale on allowed entries; masked scores are constants (zero gradient).
                for (var i = 0; i < tq; i++)
                {
                    float* pr = p + (long)i * tk, dr = dp + (long)i * tk;
                    var seg = qs[i];
                    if (seg <= 0) { new Span<float>(dr, tk).Clear(); continue; }
                    var dot = 0f;
                    for (var j = 0; j < tk; j++) dot += pr[j] * dr[j];
                    var last = a.Causal ? i : tk - 1;
                    for (var j = 0; j < tk; j++)
                        dr[j] = ks[j] == seg && j <= last ? pr[j] * (dr[j] - dot) * a.Scale : 0f;
                }
                // dQ (Tq, hd) = dS · K ; dK (Tk, hd) += dSᵀ · Q
                Gemm.MatMul(dp, tk, false, k, a.S.KRow, false, dq, a.S.QRow, tq, hd, tk, accumulate: false, parallel: false);
                Gemm.MatMul(dp, tk, true, q, a.S.QRow, false, dk, a.S.KRow, tk, hd, tq, accumulate: acc, parallel: false);
            }
        }
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
