using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// The many-query (prefill / teacher-forcing) path of one head: two GEMMs around a two-pass softmax that folds the
/// score scale and the mask into the exponent and defers the 1/Σ normalization to the (Tq, hd) output, so the
/// (Tq, Tk) score matrix is read twice and written once instead of five passes.
/// </summary>
public static unsafe partial class Attention
{
    [ThreadStatic] private static float[]? _rowScale;

    /// <summary>
    /// o (Tq, hd) = softmax(mask(q·kᵀ·scale)) · v; s (Tq, Tk) scratch; keep (Tk) mask lanes or null; query i sees
    /// key j iff keep[j] and j ≤ lastOffset + i. A query that sees no key attends uniformly to all Tk keys (the
    /// upstream float.MinValue semantics).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ManyQueries(float* q, int ldq, float* k, int ldk, float* v, int ldv, float* o, int ldo, float* s,
        int* keep, int tq, int tk, int hd, int lastOffset, float scale)
    {
        if (UseTiled(hd))
            Tiled(q, ldq, hd, 1, k, ldk, v, ldv, o, ldo, hd, keep, tq, tk, hd, lastOffset, scale);
        else
            TwoGemms(q, ldq, k, ldk, v, ldv, o, ldo, s, keep, tq, tk, hd, lastOffset, scale);
    }

    /// <summary>The portable form (any SIMD level, any head size): scores GEMM, <see cref="ExpRow"/>, P·V GEMM.</summary>
    private static void TwoGemms(float* q, int ldq, float* k, int ldk, float* v, int ldv, float* o, int ldo, float* s,
        int* keep, int tq, int tk, int hd, int lastOffset, float scale)
    {
        // scores (Tq, Tk) = q · kᵀ
        Gemm.MatMul(q, ldq, false, k, ldk, true, s, tk, tq, tk, hd, accumulate: false, parallel: false);
        if (_rowScale is null || _rowScale.Length < tq) _rowScale = GC.AllocateUninitializedArray<float>(Math.Max(tq, 1024), pinned: true);
        fixed (float* inv = _rowScale)
        {
            for (var i = 0; i < tq; i++)
            {
                var last = (int)Math.Min(tk - 1L, (long)lastOffset + i);
                inv[i] = 1f / ExpRow(s + (long)i * tk, keep, tk, last + 1, scale);
            }
            // out (Tq, hd) = e (Tq, Tk) · v (Tk, hd), then each row by 1/Σ.
            Gemm.MatMul(s, tk, false, v, ldv, false, o, ldo, tq, hd, tk, accumulate: false, parallel: false);
            for (var i = 0; i < tq; i++) ScaleRow(o + (long)i * ldo, hd, inv[i]);
        }
    }

    /// <summary>
    /// row[j] = exp(scale·(x_j − max)) over the allowed keys j &lt; n (keep lanes, null = all), 0 beyond; returns Σ.
    /// No allowed key: every one of the tk entries becomes 1 (uniform, as a row of equal float.MinValue scores).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ExpRow(float* row, int* keep, int tk, int n, float scale)
    {
        var level = Simd.Level;
        var max = float.MinValue;
        var j = 0;
        if (level == SimdLevel.Vector512 && n >= 16)
        {
            var minv = Vector512.Create(float.MinValue);
            var m = minv;
            for (; j <= n - 16; j += 16)
            {
                var x = Vector512.Load(row + j);
                if (keep != null) x = Vector512.ConditionalSelect(Vector512.Load(keep + j).AsSingle(), x, minv);
                m = Vector512.Max(m, x);
            }
            max = Ops512.MaxAcross(m);
        }
        else if (level == SimdLevel.Vector256 && n >= 8)
        {
            var minv = Vector256.Create(float.MinValue);
            var m = minv;
            for (; j <= n - 8; j += 8)
            {
                var x = Vector256.Load(row + j);
                if (keep != null) x = Vector256.ConditionalSelect(Vector256.Load(keep + j).AsSingle(), x, minv);
                m = Vector256.Max(m, x);
            }
            max = Ops256.MaxAcross(m);
        }
        for (; j < n; j++)
            if (keep == null || keep[j] != 0) max = MathF.Max(max, row[j]);
        if (max == float.MinValue)
        {
            new Span<float>(row, tk).Fill(1f);
            return tk;
        }

        var bias = -max * scale;
        var sum = 0f;
        j = 0;
        if (level == SimdLevel.Vector512)
        {
            Vector512<float> sv = Vector512.Create(scale), bv = Vector512.Create(bias), minv = Vector512.Create(float.MinValue);
            var acc = Vector512<float>.Zero;
            for (; j <= n - 16; j += 16)
            {
                var x = Vector512.Load(row + j);
                if (keep != null) x = Vector512.ConditionalSelect(Vector512.Load(keep + j).AsSingle(), x, minv);
                var e = VecExp.Exp(Vector512.FusedMultiplyAdd(x, sv, bv));
                e.Store(row + j);
                acc += e;
            }
            sum = Vector512.Sum(acc);
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<float> sv = Vector256.Create(scale), bv = Vector256.Create(bias), minv = Vector256.Create(float.MinValue);
            var acc = Vector256<float>.Zero;
            for (; j <= n - 8; j += 8)
            {
                var x = Vector256.Load(row + j);
                if (keep != null) x = Vector256.ConditionalSelect(Vector256.Load(keep + j).AsSingle(), x, minv);
                var e = VecExp.Exp(Vector256.FusedMultiplyAdd(x, sv, bv));
                e.Store(row + j);
                acc += e;
            }
            sum = Vector256.Sum(acc);
        }
        for (; j < n; j++)
        {
            var e = keep == null || keep[j] != 0 ? MathF.Exp(MathF.FusedMultiplyAdd(row[j], scale, bias)) : 0f;
            row[j] = e;
            sum += e;
        }
        for (; j < tk; j++) row[j] = 0f;
        return sum;
    }

    /// <summary>x (n) *= f.</summary>
    private static void ScaleRow(float* x, int n, float f)
    {
        var j = 0;
        if (Simd.Level == SimdLevel.Vector512)
        {
            var fv = Vector512.Create(f);
            for (; j <= n - 16; j += 16) (Vector512.Load(x + j) * fv).Store(x + j);
        }
        else if (Simd.Level == SimdLevel.Vector256)
        {
            var fv = Vector256.Create(f);
            for (; j <= n - 8; j += 8) (Vector256.Load(x + j) * fv).Store(x + j);
        }
        for (; j < n; j++) x[j] *= f;
    }
}
