using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// Attention of one query per head (a decode step) over K/V rows stored as float32 or IEEE half bits, with GQA:
/// the query heads sharing a KV head are handled together, so each K/V row is read (and widened) once per step
/// instead of once per query head. Same semantics as <see cref="Attention"/>: scores = q·k · scale, keys with
/// valid[j] false get float.MinValue (a fully masked row becomes uniform), softmax in float32, out = p·v.
/// Layout: q (B, H·hd) with rows <c>ldqBatch</c> apart; k and v rows <c>ldkv</c> apart, batch rows <c>kvBatch</c>
/// apart, head g at g·hd; out (B, H·hd) with rows <c>ldoBatch</c> apart.
/// </summary>
public static unsafe class DecodeAttention
{
    private const int MaxStackScores = 8192;

    /// <summary>Float32 K/V (e.g. the self-attention cache).</summary>
    public static void Forward(float* q, long ldqBatch, float* k, float* v, long ldkv, long kvBatch, float* output, long ldoBatch,
        int batch, int tk, int heads, int kvHeads, int hd, bool* valid, float scale) =>
        Run(q, ldqBatch, k, v, ldkv, kvBatch, output, ldoBatch, batch, tk, heads, kvHeads, hd, valid, scale, half: false);

    /// <summary>Half K/V (bits): e.g. the encoder's cross-attention K/V kept in float16 for decoding.</summary>
    public static void Forward(float* q, long ldqBatch, ushort* k, ushort* v, long ldkv, long kvBatch, float* output, long ldoBatch,
        int batch, int tk, int heads, int kvHeads, int hd, bool* valid, float scale) =>
        Run(q, ldqBatch, k, v, ldkv, kvBatch, output, ldoBatch, batch, tk, heads, kvHeads, hd, valid, scale, half: true);

    /// <summary>
    /// <see cref="Forward(float*, long, float*, float*, long, long, float*, long, int, int, int, int, int, bool*, float)"/>
    /// with the (batch row, KV head) items spread over the worker pool: at batch 1 the cross attention over a few
    /// hundred encoder keys was one core's work (reading 4 MB of float32 K/V per step at 26M). Same numbers: every item
    /// is computed exactly as the serial loop computes it.
    /// </summary>
    public static void ForwardParallel(float* q, long ldqBatch, float* k, float* v, long ldkv, long kvBatch, float* output, long ldoBatch,
        int batch, int tk, int heads, int kvHeads, int hd, bool* valid, float scale) =>
        Split(q, ldqBatch, k, v, ldkv, kvBatch, output, ldoBatch, batch, tk, heads, kvHeads, hd, valid, scale, half: false);

    /// <summary>The half-K/V twin of the float32 <c>ForwardParallel</c>.</summary>
    public static void ForwardParallel(float* q, long ldqBatch, ushort* k, ushort* v, long ldkv, long kvBatch, float* output, long ldoBatch,
        int batch, int tk, int heads, int kvHeads, int hd, bool* valid, float scale) =>
        Split(q, ldqBatch, k, v, ldkv, kvBatch, output, ldoBatch, batch, tk, heads, kvHeads, hd, valid, scale, half: true);

    // Below this many K/V bytes per item a hand-off costs more than it saves.
    private const long ParallelMinBytes = 64 << 10;

    private static void Split(float* q, long ldqBatch, void* k, void* v, long ldkv, long kvBatch, float* output, long ldoBatch,
        int batch, int tk, int heads, int kvHeads, int hd, bool* valid, float scale, bool half)
    {
        var items = batch * kvHeads;
        long bytesPerItem = 2L * tk * hd * (half ? 2 : 4);
        if (items < 2 || bytesPerItem < ParallelMinBytes || WorkerPool.Shared.Threads < 2 || heads % kvHeads != 0)
        {
            Run(q, ldqBatch, k, v, ldkv, kvBatch, output, ldoBatch, batch, tk, heads, kvHeads, hd, valid, scale, half);
            return;
        }
        var group = heads / kvHeads;
        nint pq = (nint)q, pk = (nint)k, pv = (nint)v, po = (nint)output, pm = (nint)valid;
        var size = half ? 2 : 4;
        WorkerPool.Shared.For(items, item =>
        {
            int b = item / kvHeads, g = item % kvHeads;
            var kvOff = (b * kvBatch + (long)g * hd) * size;
            var mask = pm == 0 ? null : (bool*)pm + (long)b * tk;
            Run((float*)pq + b * ldqBatch + (long)g * group * hd, 0, (void*)(pk + (nint)kvOff), (void*)(pv + (nint)kvOff), ldkv, 0,
                (float*)po + b * ldoBatch + (long)g * group * hd, 0, 1, tk, group, 1, hd, mask, scale, half);
        });
    }

    [ThreadStatic] private static float[]? _scores;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(float* q, long ldqBatch, void* k, void* v, long ldkv, long kvBatch, float* output, long ldoBatch,
        int batch, int tk, int heads, int kvHeads, int hd, bool* valid, float scale, bool half)
    {
        if (heads % kvHeads != 0) throw new ArgumentException($"DecodeAttention: heads {heads} not a multiple of kv heads {kvHeads}.");
        var group = heads / kvHeads;
        var need = group * tk;
        float[]? heap = null;
        if (need > MaxStackScores)
        {
            if (_scores is null || _scores.Length < need) _scores = GC.AllocateUninitializedArray<float>(need, pinned: true);
            heap = _scores;
        }
        var stack = stackalloc float[need > MaxStackScores ? 1 : need];
        var rowBuf = stackalloc float[hd];
        var level = Simd.Level;
        fixed (float* pheap = heap)
        {
            var s = heap is null ? stack : pheap; // (group, Tk)
            for (var b = 0; b < batch; b++)
            for (var g = 0; g < kvHeads; g++)
            {
                var qg = q + b * ldqBatch + (long)g * group * hd;   // the group's query heads, hd apart
                var og = output + b * ldoBatch + (long)g * group * hd;
                var ok = valid == null ? null : valid + (long)b * tk;
                var kb = b * kvBatch + (long)g * hd;                 // element offset of key 0 of this head
                if (level == SimdLevel.Vector512 && hd == 64)
                {
                    Head64(qg, k, v, kb, ldkv, og, s, ok, tk, group, scale, half);
                    continue;
                }
                for (var j = 0; j < tk; j++)
                {
                    var row = Row(k, kb + j * ldkv, rowBuf, hd, half, level);
                    var keep = ok == null || ok[j];
                    for (var i = 0; i < group; i++)
                        s[i * tk + j] = keep ? MatVec.DotF32(level, qg + i * hd, row, hd) * scale : float.MinValue;
                }
                for (var i = 0; i < group; i++) Softmax.Row(new Span<float>(s + i * tk, tk));
                new Span<float>(og, group * hd).Clear();
                for (var j = 0; j < tk; j++)
                {
                    var row = Row(v, kb + j * ldkv, rowBuf, hd, half, level);
                    for (var i = 0; i < group; i++) Axpy(level, s[i * tk + j], row, og + i * hd, hd);
                }
            }
        }
    }

    /// <summary>
    /// One KV head and its query heads for hd = 64 (the 26M model's) with AVX-512: each key row lives in four registers
    /// once widened, and each output in four register accumulators (two query heads per pass over V), so nothing
    /// round-trips through memory per key.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Head64(float* qg, void* k, void* v, long kb, long ldkv, float* og, float* s, bool* ok, int tk, int group,
        float scale, bool half)
    {
        for (var j = 0; j < tk; j++)
        {
            var off = kb + j * ldkv;
            Load64(k, off, half, out var k0, out var k1, out var k2, out var k3);
            var keep = ok == null || ok[j];
            for (var i = 0; i < group; i++)
            {
                var q = qg + i * 64;
                var acc = Vector512.Load(q) * k0;
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(q + 16), k1, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(q + 32), k2, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(q + 48), k3, acc);
                s[i * tk + j] = keep ? Vector512.Sum(acc) * scale : float.MinValue;
            }
        }
        for (var i = 0; i < group; i++) Softmax.Row(new Span<float>(s + i * tk, tk));
        for (var i = 0; i < group; i += 2)
        {
            var two = i + 1 < group;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
            float* p0 = s + i * tk, p1 = two ? p0 + tk : p0;
            for (var j = 0; j < tk; j++)
            {
                Load64(v, kb + j * ldkv, half, out var v0, out var v1, out var v2, out var v3);
                var pa = Vector512.Create(p0[j]);
                a0 = Vector512.FusedMultiplyAdd(pa, v0, a0);
                a1 = Vector512.FusedMultiplyAdd(pa, v1, a1);
                a2 = Vector512.FusedMultiplyAdd(pa, v2, a2);
                a3 = Vector512.FusedMultiplyAdd(pa, v3, a3);
                var pb = Vector512.Create(p1[j]);
                b0 = Vector512.FusedMultiplyAdd(pb, v0, b0);
                b1 = Vector512.FusedMultiplyAdd(pb, v1, b1);
                b2 = Vector512.FusedMultiplyAdd(pb, v2, b2);
                b3 = Vector512.FusedMultiplyAdd(pb, v3, b3);
            }
            var o = og + i * 64;
            a0.Store(o); a1.Store(o + 16); a2.Store(o + 32); a3.Store(o + 48);
            if (!two) continue;
            b0.Store(o + 64); b1.Store(o + 80); b2.Store(o + 96); b3.Store(o + 112);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Load64(void* data, long offset, bool half, out Vector512<float> r0, out Vector512<float> r1,
        out Vector512<float> r2, out Vector512<float> r3)
    {
        if (half)
        {
            var p = (ushort*)data + offset;
            var h0 = Vector512.Load(p);
            var h1 = Vector512.Load(p + 32);
            r0 = MatVec.Widen512(Vector512.WidenLower(h0));
            r1 = MatVec.Widen512(Vector512.WidenUpper(h0));
            r2 = MatVec.Widen512(Vector512.WidenLower(h1));
            r3 = MatVec.Widen512(Vector512.WidenUpper(h1));
        }
        else
        {
            var p = (float*)data + offset;
            r0 = Vector512.Load(p); r1 = Vector512.Load(p + 16); r2 = Vector512.Load(p + 32); r3 = Vector512.Load(p + 48);
        }
    }

    /// <summary>The hd values at element offset <paramref name="offset"/> as floats: in place for float32, widened into buf for half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(void* data, long offset, float* buf, int hd, bool half, SimdLevel level)
    {
        if (!half) return (float*)data + offset;
        MatVec.WidenRow(level, (ushort*)data + offset, buf, hd);
        return buf;
    }

    /// <summary>o += p · v (hd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(SimdLevel level, float p, float* v, float* o, int hd)
    {
        var i = 0;
        if (level == SimdLevel.Vector512)
        {
            var pv = Vector512.Create(p);
            for (; i <= hd - 16; i += 16) Vector512.FusedMultiplyAdd(pv, Vector512.Load(v + i), Vector512.Load(o + i)).Store(o + i);
        }
        else if (level >= SimdLevel.Vector256)
        {
            var pv = Vector256.Create(p);
            for (; i <= hd - 8; i += 8) Vector256.FusedMultiplyAdd(pv, Vector256.Load(v + i), Vector256.Load(o + i)).Store(o + i);
        }
        else if (level == SimdLevel.Vector128)
        {
            var pv = Vector128.Create(p);
            for (; i <= hd - 4; i += 4) Vector128.FusedMultiplyAdd(pv, Vector128.Load(v + i), Vector128.Load(o + i)).Store(o + i);
        }
        for (; i < hd; i++) o[i] = MathF.FusedMultiplyAdd(p, v[i], o[i]);
    }

    /// <summary>The reference: every score, softmax and sum in double, K/V given as float32 (widen half first).</summary>
    public static void ForwardNaive(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, long ldkv, long kvBatch,
        Span<float> output, int batch, int tk, int heads, int kvHeads, int hd, ReadOnlySpan<bool> valid, float scale)
    {
        var group = heads / kvHeads;
        var s = new double[tk];
        for (var b = 0; b < batch; b++)
        for (var h = 0; h < heads; h++)
        {
            var kvOff = b * kvBatch + (long)(h / group) * hd;
            var qOff = (b * heads + h) * hd;
            var max = double.NegativeInfinity;
            for (var j = 0; j < tk; j++)
            {
                double dot = 0;
                for (var c = 0; c < hd; c++) dot += (double)q[qOff + c] * k[(int)(kvOff + j * ldkv + c)];
                s[j] = valid.IsEmpty || valid[b * tk + j] ? dot * scale : float.MinValue;
                max = Math.Max(max, s[j]);
            }
            double sum = 0;
            for (var j = 0; j < tk; j++) sum += s[j] = Math.Exp(s[j] - max);
            for (var c = 0; c < hd; c++)
            {
                double acc = 0;
                for (var j = 0; j < tk; j++) acc += s[j] / sum * v[(int)(kvOff + j * ldkv + c)];
                output[qOff + c] = (float)acc;
            }
        }
    }
}
