using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// AVX-512 many-query attention for one head, in strips of 32 queries with no (Tq, Tk) score matrix:
/// 1. Kᵀ tiles: K packed once per head as (hd, 8 keys) panels, the strip's queries as one (hd, 32) panel, so the GEMM
///    micro-kernel computes the scores transposed, Sᵀ (Tk, 32), straight into an L1-sized strip buffer.
/// 2. Softmax down the keys with the 32 queries in two zmm lanes: the key-padding mask skips whole rows, the causal
///    mask is a lane compare, and no horizontal reduction is needed; the scale folds into the exponent.
/// 3. O (32, hd) = Eᵀᵀ · V by an 8 × 32 register tile that broadcasts from the strip and reads V rows in place,
///    scaling each output row by its 1/Σ on the way out.
/// </summary>
public static unsafe partial class Attention
{
    private const int Strip = 32, KeyTile = 8;

    [ThreadStatic] private static float[]? _tiledScratch;

    private static bool UseTiled(int hd) => Simd.Level == SimdLevel.Vector512 && hd % 32 == 0;

    /// <summary>One (batch row, KV head) of <see cref="Forward(float*, float*, float*, float*, in AttentionStrides, int, int, int, int, int, int, bool*, bool, int, float, bool)"/>: all its query heads.</summary>
    private static void GroupItem(Args a, int item)
    {
        int b = item / a.KvHeads, kvh = item % a.KvHeads, group = a.Heads / a.KvHeads, h0 = kvh * group;
        var keep = a.KeyValid == null ? null : KeepLanes(a.KeyValid + (long)b * a.Tk, a.Tk);
        Tiled(a.Q + b * a.S.QBatch + h0 * a.HeadDim, a.S.QRow, a.HeadDim, group,
            a.K + b * a.S.KBatch + kvh * a.HeadDim, a.S.KRow, a.V + b * a.S.VBatch + kvh * a.HeadDim, a.S.VRow,
            a.O + b * a.S.OBatch + h0 * a.HeadDim, a.S.ORow, a.HeadDim,
            keep, a.Tq, a.Tk, a.HeadDim, a.Causal ? a.QueryOffset : int.MaxValue - a.Tq, a.Scale);
    }

    /// <summary>
    /// <paramref name="heads"/> query heads (q and o columns qHead / oHead apart) against one K/V head. Requires
    /// Vector512 and hd % 32 == 0 (<see cref="UseTiled"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tiled(float* q, int ldq, int qHead, int heads, float* k, int ldk, float* v, int ldv, float* o, int ldo, int oHead,
        int* keep, int tq, int tk, int hd, int lastOffset, float scale)
    {
        var tkPad = (tk + KeyTile - 1) / KeyTile * KeyTile;
        // Scratch: packed K (tkPad/8 panels of (hd, 8)) | Qᵀ strip (hd, 32) | Eᵀ strip (tkPad, 32) | 1/Σ (32), 64-byte aligned.
        long kLen = (long)tkPad * hd, qLen = (long)hd * Strip, eLen = (long)tkPad * Strip;
        var need = kLen + qLen + eLen + Strip + 16;
        if (_tiledScratch is null || _tiledScratch.Length < need)
            _tiledScratch = GC.AllocateUninitializedArray<float>((int)Math.Max(need, 1 << 16), pinned: true);
        var basePtr = (float*)(((nint)Unsafe.AsPointer(ref _tiledScratch[0]) + 63) & ~(nint)63);
        float* kp = basePtr, qt = kp + kLen, e = qt + qLen, inv = e + eLen;

        PackKeys(k, ldk, tk, tkPad, hd, kp);
        for (var h = 0; h < heads; h++, q += qHead, o += oHead)
        for (var i0 = 0; i0 < tq; i0 += Strip)
        {
            var rows = Math.Min(Strip, tq - i0);
            PackQueryStrip(q + (long)i0 * ldq, ldq, rows, hd, qt);
            // Sᵀ (tkPad, 32) = K (tkPad, hd) · Qᵀ (hd, 32), 8 keys at a time.
            for (var j0 = 0; j0 < tkPad; j0 += KeyTile)
                GemmKernels.Kernel8x32(hd, kp + (long)j0 * hd, qt, e + (long)j0 * Strip, Strip, KeyTile, Strip, overwrite: true);
            // Highest key query i0 + lane may see (causal), or "all" when no lane of this strip is limited.
            var firstLast = (long)lastOffset + i0;
            StripSoftmax(e, keep, tk, firstLast >= tk - 1 ? -1 : (int)firstLast, scale, inv);
            // O (rows, hd) = E (rows, tk) · V (tk, hd): 8 queries × 32 columns per tile.
            for (var r0 = 0; r0 < rows; r0 += 8)
            for (var d0 = 0; d0 < hd; d0 += 32)
                PvTile(tk, e + r0, v + d0, ldv, o + (long)(i0 + r0) * ldo + d0, ldo, Math.Min(8, rows - r0), inv + r0);
        }
    }

    /// <summary>kp panel p (hd, 8) = keys 8p…8p+7 transposed; keys ≥ tk are zero.</summary>
    private static void PackKeys(float* k, int ldk, int tk, int tkPad, int hd, float* kp)
    {
        for (var j0 = 0; j0 < tkPad; j0 += KeyTile)
        {
            var panel = kp + (long)j0 * hd;
            for (var r = 0; r < KeyTile; r++)
            {
                var j = j0 + r;
                if (j < tk)
                {
                    var row = k + (long)j * ldk;
                    for (var d = 0; d < hd; d++) panel[d * KeyTile + r] = row[d];
                }
                else
                    for (var d = 0; d < hd; d++) panel[d * KeyTile + r] = 0f;
            }
        }
    }

    /// <summary>qt (hd, 32) = the strip's queries transposed; missing queries (tail strip) are zero.</summary>
    private static void PackQueryStrip(float* q, int ldq, int rows, int hd, float* qt)
    {
        for (var r = 0; r < Strip; r++)
        {
            if (r < rows)
            {
                var row = q + (long)r * ldq;
                for (var d = 0; d < hd; d++) qt[d * Strip + r] = row[d];
            }
            else
                for (var d = 0; d < hd; d++) qt[d * Strip + r] = 0f;
        }
    }

    /// <summary>
    /// In place over e (tk, 32): column c becomes exp(scale·(s − max_c)) over the keys query c may see, 0 elsewhere;
    /// inv[c] = 1/Σ. Query c sees key j iff keep[j] (null = all) and (firstLast &lt; 0 or j ≤ firstLast + c). A
    /// query that sees no key attends uniformly to all tk keys (upstream's float.MinValue semantics).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StripSoftmax(float* e, int* keep, int tk, int firstLast, float scale, float* inv)
    {
        var minv = Vector512.Create(float.MinValue);
        Vector512<float> m0 = minv, m1 = minv;
        // lane c of lo/hi may see key j iff j <= limit + c, i.e. j - limit <= c
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var causal = firstLast >= 0;
        for (var j = 0; j < tk; j++)
        {
            if (keep != null && keep[j] == 0) continue;
            var row = e + (long)j * Strip;
            Vector512<float> x0 = Vector512.Load(row), x1 = Vector512.Load(row + 16);
            if (causal)
            {
                var rel = Vector512.Create(j - firstLast);
                x0 = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(rel, lanes).AsSingle(), x0, minv);
                x1 = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(rel, lanes + Vector512.Create(16)).AsSingle(), x1, minv);
            }
            m0 = Vector512.Max(m0, x0);
            m1 = Vector512.Max(m1, x1);
        }
        // Lanes that saw no key: uniform weights over every key.
        Vector512<float> u0 = Vector512.Equals(m0, minv), u1 = Vector512.Equals(m1, minv);
        var sv = Vector512.Create(scale);
        Vector512<float> b0 = -m0 * sv, b1 = -m1 * sv, one = Vector512<float>.One;
        Vector512<float> s0 = Vector512<float>.Zero, s1 = Vector512<float>.Zero;
        for (var j = 0; j < tk; j++)
        {
            var row = e + (long)j * Strip;
            Vector512<float> e0, e1;
            if (keep != null && keep[j] == 0)
            {
                e0 = u0 & one;
                e1 = u1 & one;
            }
            else
            {
                e0 = VecExp.Exp(Vector512.FusedMultiplyAdd(Vector512.Load(row), sv, b0));
                e1 = VecExp.Exp(Vector512.FusedMultiplyAdd(Vector512.Load(row + 16), sv, b1));
                if (causal)
                {
                    var rel = Vector512.Create(j - firstLast);
                    e0 &= Vector512.LessThanOrEqual(rel, lanes).AsSingle();
                    e1 &= Vector512.LessThanOrEqual(rel, lanes + Vector512.Create(16)).AsSingle();
                }
                e0 = Vector512.ConditionalSelect(u0, one, e0);
                e1 = Vector512.ConditionalSelect(u1, one, e1);
            }
            e0.Store(row);
            e1.Store(row + 16);
            s0 += e0;
            s1 += e1;
        }
        (one / s0).Store(inv);
        (one / s1).Store(inv + 16);
    }

    /// <summary>
    /// o (rows ≤ 8, 32) = Σ_j e[j, r] · v[j, 0…31] with e rows 32 apart (this tile's 8 queries at offset 0) and v rows
    /// ldv apart, each output row times inv[r]. 16 zmm accumulators: per key 8 broadcasts, 2 loads, 16 FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PvTile(int tk, float* e, float* v, int ldv, float* o, int ldo, int rows, float* inv)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        for (var j = 0; j < tk; j++)
        {
            var b0 = Vector512.Load(v);
            var b1 = Vector512.Load(v + 16);
            var av = Vector512.Create(e[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(e[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(e[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(e[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(e[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(e[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(e[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(e[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            e += Strip;
            v += ldv;
        }
        switch (rows)
        {
            // Fall through from the highest valid row down (C# has no fall-through: goto case).
            case 8: StoreScaled(o + 7L * ldo, c70, c71, inv[7]); goto case 7;
            case 7: StoreScaled(o + 6L * ldo, c60, c61, inv[6]); goto case 6;
            case 6: StoreScaled(o + 5L * ldo, c50, c51, inv[5]); goto case 5;
            case 5: StoreScaled(o + 4L * ldo, c40, c41, inv[4]); goto case 4;
            case 4: StoreScaled(o + 3L * ldo, c30, c31, inv[3]); goto case 3;
            case 3: StoreScaled(o + 2L * ldo, c20, c21, inv[2]); goto case 2;
            case 2: StoreScaled(o + ldo, c10, c11, inv[1]); goto case 1;
            case 1: StoreScaled(o, c00, c01, inv[0]); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreScaled(float* o, Vector512<float> lo, Vector512<float> hi, float f)
    {
        var fv = Vector512.Create(f);
        (lo * fv).Store(o);
        (hi * fv).Store(o + 16);
    }
}
