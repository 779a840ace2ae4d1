using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// Masked multi-head attention with grouped K/V (GQA): query head h reads KV head h / (H / KV).
/// Layouts are token-major, heads interleaved as the projections produce them: q (B, Tq, H·hd), k/v (B, Tk, KV·hd),
/// out (B, Tq, H·hd). Scores = q·kᵀ · scale; disallowed keys get float.MinValue (not −∞: a fully masked row becomes
/// uniform, like upstream); softmax in float32; out = probs·v.
/// Mask = key padding (keyValid (B, Tk), optional) AND, when causal, key j ≤ queryOffset + i.
/// </summary>
public static unsafe partial class Attention
{
    /// <summary>Queries per (batch, head) at or above which scores go through the GEMM instead of dot products.</summary>
    private const int GemmMinQueries = 8;

    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        int batch, int tq, int tk, int heads, int kvHeads, int headDim,
        ReadOnlySpan<bool> keyValid, bool causal, int queryOffset, float scale, bool parallel = true)
    {
        if (heads % kvHeads != 0) throw new ArgumentException($"Attention: heads {heads} not a multiple of kv heads {kvHeads}.");
        if (q.Length < batch * tq * heads * headDim || output.Length < batch * tq * heads * headDim)
            throw new ArgumentException("Attention: q/output too short for (B, Tq, H·hd).");
        if (k.Length < batch * tk * kvHeads * headDim || v.Length < batch * tk * kvHeads * headDim)
            throw new ArgumentException("Attention: k/v too short for (B, Tk, KV·hd).");
        if (!keyValid.IsEmpty && keyValid.Length < batch * tk) throw new ArgumentException("Attention: keyValid too short for (B, Tk).");
        fixed (float* pq = q, pk = k, pv = v, po = output)
        fixed (bool* pm = keyValid)
        {
            int ldq = heads * headDim, ldk = kvHeads * headDim;
            var strides = new AttentionStrides(ldq, tq * ldq, ldk, tk * ldk, ldk, tk * ldk, ldq, tq * ldq);
            Forward(pq, pk, pv, po, strides, batch, tq, tk, heads, kvHeads, headDim,
                keyValid.IsEmpty ? null : pm, causal, queryOffset, scale, parallel);
        }
    }

    /// <summary>
    /// Pointer form with explicit strides, so q/k/v can live inside a fused QKV buffer or a KV cache.
    /// keyValid (B, Tk) with rows Tk apart, or null for "all valid".
    /// </summary>
    public static void Forward(float* q, float* k, float* v, float* output, in AttentionStrides strides,
        int batch, int tq, int tk, int heads, int kvHeads, int headDim,
        bool* keyValid, bool causal, int queryOffset, float scale, bool parallel = true)
    {
        if (heads % kvHeads != 0) throw new ArgumentException($"Attention: heads {heads} not a multiple of kv heads {kvHeads}.");
        var args = new Args
        {
            Q = q, K = k, V = v, O = output, KeyValid = keyValid, S = strides, Tq = tq, Tk = tk, Heads = heads,
            KvHeads = kvHeads, HeadDim = headDim, Causal = causal, QueryOffset = queryOffset, Scale = scale,
        };
        // The AVX-512 strip kernel takes one (batch row, KV head) per item: its packed K serves the whole query group.
        var grouped = tq >= GemmMinQueries && UseTiled(headDim);
        var items = batch * (grouped ? kvHeads : heads);
        var serial = !parallel || items == 1 || (long)batch * heads * tq * tk * headDim < 1 << 20;
        if (grouped)
        {
            if (serial) for (var i = 0; i < items; i++) GroupItem(args, i);
            else WorkerPool.Shared.For(items, i => GroupItem(args, i));
        }
        else if (serial)
            for (var i = 0; i < items; i++) Item(args, i);
        else
            WorkerPool.Shared.For(items, i => Item(args, i));
    }

    private struct Args
    {
        public float* Q, K, V, O;
        public bool* KeyValid;
        public AttentionStrides S;
        public int Tq, Tk, Heads, KvHeads, HeadDim, QueryOffset;
        public bool Causal;
        public float Scale;
    }

    [ThreadStatic] private static float[]? _scores;

    /// <summary>One (batch row, query head) pair, single-threaded.</summary>
    private static void Item(Args a, int item)
    {
        int b = item / a.Heads, h = item % a.Heads, kvh = h / (a.Heads / a.KvHeads);
        var q = a.Q + b * a.S.QBatch + h * a.HeadDim;
        var k = a.K + b * a.S.KBatch + kvh * a.HeadDim;
        var v = a.V + b * a.S.VBatch + kvh * a.HeadDim;
        var o = a.O + b * a.S.OBatch + h * a.HeadDim;
        var valid = a.KeyValid == null ? null : a.KeyValid + (long)b * a.Tk;
        var need = a.Tq * a.Tk;
        if (_scores is null || _scores.Length < need) _scores = GC.AllocateUninitializedArray<float>(Math.Max(need, 4096), pinned: true);
        fixed (float* s = _scores)
            Head(q, a.S.QRow, k, a.S.KRow, v, a.S.VRow, o, a.S.ORow, s, valid, a.Tq, a.Tk, a.HeadDim,
                a.Causal ? a.QueryOffset : int.MaxValue - a.Tq, a.Scale);
    }

    /// <summary>
    /// out (Tq, hd) = softmax(mask(q (Tq, hd) · kᵀ (hd, Tk) · scale)) · v (Tk, hd), rows at the given strides.
    /// Query i may see key j iff valid[j] and j ≤ lastOffset + i.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Head(float* q, int ldq, float* k, int ldk, float* v, int ldv, float* o, int ldo, float* s,
        bool* valid, int tq, int tk, int hd, int lastOffset, float scale)
    {
        // Key-padding mask as all-ones / zero lanes, built once per head instead of a branch per score.
        int* keep = null;
        if (valid != null) keep = KeepLanes(valid, tk);
        if (tq >= GemmMinQueries)
        {
            ManyQueries(q, ldq, k, ldk, v, ldv, o, ldo, s, keep, tq, tk, hd, lastOffset, scale);
            return;
        }
        for (var i = 0; i < tq; i++) Dots(q + (long)i * ldq, k, ldk, s + (long)i * tk, tk, hd);
        for (var i = 0; i < tq; i++)
        {
            var row = s + (long)i * tk;
            var last = Math.Min(tk - 1, lastOffset + i);
            ScaleMasked(row, keep, last + 1, scale);
            for (var j = last + 1; j < tk; j++) row[j] = float.MinValue;
            Softmax.Row(new Span<float>(row, tk));
        }
        for (var i = 0; i < tq; i++) WeightedSum(s + (long)i * tk, v, ldv, tk, o + (long)i * ldo, hd);
    }

    [ThreadStatic] private static int[]? _keep;

    /// <summary>The key-padding mask as all-ones / zero int lanes (this thread's buffer), for branch-free selects.</summary>
    private static int* KeepLanes(bool* valid, int tk)
    {
        if (_keep is null || _keep.Length < tk) _keep = GC.AllocateUninitializedArray<int>(Math.Max(tk, 1024), pinned: true);
        var keep = (int*)Unsafe.AsPointer(ref _keep[0]);
        for (var j = 0; j < tk; j++) keep[j] = valid[j] ? -1 : 0;
        return keep;
    }

    /// <summary>row[j] = keep[j] ? row[j]·scale : float.MinValue for j &lt; n (keep null = all kept); the same
    /// single multiply per kept score as the scalar form, so bit-identical.</summary>
    private static void ScaleMasked(float* row, int* keep, int n, float scale)
    {
        var j = 0;
        var level = Simd.Level;
        if (level == SimdLevel.Vector512)
        {
            Vector512<float> sv = Vector512.Create(scale), minv = Vector512.Create(float.MinValue);
            for (; j <= n - 16; j += 16)
            {
                var x = Vector512.Load(row + j) * sv;
                if (keep != null) x = Vector512.ConditionalSelect(Vector512.Load(keep + j).AsSingle(), x, minv);
                x.Store(row + j);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<float> sv = Vector256.Create(scale), minv = Vector256.Create(float.MinValue);
            for (; j <= n - 8; j += 8)
            {
                var x = Vector256.Load(row + j) * sv;
                if (keep != null) x = Vector256.ConditionalSelect(Vector256.Load(keep + j).AsSingle(), x, minv);
                x.Store(row + j);
            }
        }
        else if (level == SimdLevel.Vector128)
        {
            Vector128<float> sv = Vector128.Create(scale), minv = Vector128.Create(float.MinValue);
            for (; j <= n - 4; j += 4)
            {
                var x = Vector128.Load(row + j) * sv;
                if (keep != null) x = Vector128.ConditionalSelect(Vector128.Load(keep + j).AsSingle(), x, minv);
                x.Store(row + j);
            }
        }
        for (; j < n; j++) row[j] = keep == null || keep[j] != 0 ? row[j] * scale : float.MinValue;
    }

    /// <summary>s[j] = x · k[j, :] for the tk keys (rows ldk apart), each exactly as <see cref="Dot{TOps,TVec}"/> sums it.</summary>
    private static void Dots(float* x, float* k, int ldk, float* s, int tk, int hd)
    {
        switch (Simd.Level)
        {
            case SimdLevel.Vector512: Dots<Ops512, Vector512<float>>(x, k, ldk, s, tk, hd); break;
            case SimdLevel.Vector256: Dots<Ops256, Vector256<float>>(x, k, ldk, s, tk, hd); break;
            case SimdLevel.Vector128: Dots<Ops128, Vector128<float>>(x, k, ldk, s, tk, hd); break;
            default: Dots<OpsScalar, float>(x, k, ldk, s, tk, hd); break;
        }
    }

    /// <summary>
    /// Four keys per pass: one key's dot is a chain of dependent FMAs (hd/w long) plus a horizontal sum, so a single
    /// chain leaves the FMA units idle; four independent chains overlap. Each key's arithmetic (order and rounding)
    /// is the same as the one-key <see cref="Dot{TOps,TVec}"/>, so the scores are bit-identical.
    /// </summary>
    private static void Dots<TOps, TVec>(float* x, float* k, int ldk, float* s, int tk, int hd)
        where TOps : struct, IVecOps<TVec> where TVec : struct
    {
        var w = TOps.Count;
        var j = 0;
        for (; j <= tk - 4; j += 4)
        {
            float* k0 = k + (long)j * ldk, k1 = k0 + ldk, k2 = k1 + ldk, k3 = k2 + ldk;
            TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
            var i = 0;
            for (; i <= hd - w; i += w)
            {
                var xv = TOps.Load(x + i);
                a0 = TOps.Fma(xv, TOps.Load(k0 + i), a0);
                a1 = TOps.Fma(xv, TOps.Load(k1 + i), a1);
                a2 = TOps.Fma(xv, TOps.Load(k2 + i), a2);
                a3 = TOps.Fma(xv, TOps.Load(k3 + i), a3);
            }
            float s0 = TOps.Sum(a0), s1 = TOps.Sum(a1), s2 = TOps.Sum(a2), s3 = TOps.Sum(a3);
            for (; i < hd; i++)
            {
                s0 += x[i] * k0[i];
                s1 += x[i] * k1[i];
                s2 += x[i] * k2[i];
                s3 += x[i] * k3[i];
            }
            s[j] = s0; s[j + 1] = s1; s[j + 2] = s2; s[j + 3] = s3;
        }
        for (; j < tk; j++) s[j] = Dot<TOps, TVec>(x, k + (long)j * ldk, hd);
    }

    private static float Dot<TOps, TVec>(float* x, float* y, int n) where TOps : struct, IVecOps<TVec> where TVec : struct
    {
        var w = TOps.Count;
        var acc = TOps.Zero;
        var i = 0;
        for (; i <= n - w; i += w) acc = TOps.Fma(TOps.Load(x + i), TOps.Load(y + i), acc);
        var sum = TOps.Sum(acc);
        for (; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>o (hd) = Σ_j p[j] · v[j, :] with v rows ldv apart.</summary>
    private static void WeightedSum(float* p, float* v, int ldv, int tk, float* o, int hd)
    {
        switch (Simd.Level)
        {
            case SimdLevel.Vector512: WeightedSum<Ops512, Vector512<float>>(p, v, ldv, tk, o, hd); break;
            case SimdLevel.Vector256: WeightedSum<Ops256, Vector256<float>>(p, v, ldv, tk, o, hd); break;
            case SimdLevel.Vector128: WeightedSum<Ops128, Vector128<float>>(p, v, ldv, tk, o, hd); break;
            default: WeightedSum<OpsScalar, float>(p, v, ldv, tk, o, hd); break;
        }
    }

    private static void WeightedSum<TOps, TVec>(float* p, float* v, int ldv, int tk, float* o, int hd)
        where TOps : struct, IVecOps<TVec> where TVec : struct
    {
        var w = TOps.Count;
        var d = 0;
        // Four output vectors per pass over the keys: independent FMA chains (one chain per vector is latency-bound).
        // Every output element still sums p[j]·v[j, d] in key order, so the result is bit-identical to one at a time.
        for (; d <= hd - 4 * w; d += 4 * w)
        {
            TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
            for (var j = 0; j < tk; j++)
            {
                var pj = TOps.Broadcast(p[j]);
                var row = v + (long)j * ldv + d;
                a0 = TOps.Fma(pj, TOps.Load(row), a0);
                a1 = TOps.Fma(pj, TOps.Load(row + w), a1);
                a2 = TOps.Fma(pj, TOps.Load(row + 2 * w), a2);
                a3 = TOps.Fma(pj, TOps.Load(row + 3 * w), a3);
            }
            TOps.Store(o + d, a0);
            TOps.Store(o + d + w, a1);
            TOps.Store(o + d + 2 * w, a2);
            TOps.Store(o + d + 3 * w, a3);
        }
        for (; d <= hd - w; d += w)
        {
            var acc = TOps.Zero;
            for (var j = 0; j < tk; j++) acc = TOps.Fma(TOps.Broadcast(p[j]), TOps.Load(v + (long)j * ldv + d), acc);
            TOps.Store(o + d, acc);
        }
        for (; d < hd; d++)
        {
            var acc = 0f;
            for (var j = 0; j < tk; j++) acc += p[j] * v[(long)j * ldv + d];
            o[d] = acc;
        }
    }

    /// <summary>The reference: per head, in double, with the upstream mask semantics.</summary>
    public static void ForwardNaive(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        int batch, int tq, int tk, int heads, int kvHeads, int headDim,
        ReadOnlySpan<bool> keyValid, bool causal, int queryOffset, float scale)
    {
        var group = heads / kvHeads;
        var s = new double[tk];
        for (var b = 0; b < batch; b++)
        for (var h = 0; h < heads; h++)
        {
            var kvh = h / group;
            for (var i = 0; i < tq; i++)
            {
                for (var j = 0; j < tk; j++)
                {
                    var allowed = (keyValid.IsEmpty || keyValid[b * tk + j]) && (!causal || j <= queryOffset + i);
                    if (!allowed) { s[j] = float.MinValue; continue; }
                    double dot = 0;
                    for (var d = 0; d < headDim; d++)
                        dot += (double)q[((b * tq + i) * heads + h) * headDim + d] * k[((b * tk + j) * kvHeads + kvh) * headDim + d];
                    s[j] = dot * scale;
                }
                var max = s.Max();
                double sum = 0;
                for (var j = 0; j < tk; j++) sum += s[j] = Math.Exp(s[j] - max);
                for (var d = 0; d < headDim; d++)
                {
                    double acc = 0;
                    for (var j = 0; j < tk; j++) acc += s[j] / sum * v[((b * tk + j) * kvHeads + kvh) * headDim + d];
                    output[((b * tq + i) * heads + h) * headDim + d] = (float)acc;
                }
            }
        }
    }
}

/// <summary>Element strides of the attention operands: per row (token) and per batch row, for q, k, v and out.</summary>
public readonly record struct AttentionStrides(int QRow, long QBatch, int KRow, long KBatch, int VRow, long VBatch, int ORow, long OBatch);
