using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// The training attention's softmax pair: the forward row softmax that also returns the row's logsumexp, and the
/// backward's one-pass rebuild of the probabilities from it (no max / sum / rescale passes over the scores again).
/// </summary>
public static partial class Softmax
{
    /// <summary>
    /// The row softmax in place (max, exp(x − max) with the running sum, scale by 1/sum; <see cref="Row"/> is this)
    /// that also returns logsumexp(x) = max + ln Σ exp(x − max) of the input row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float RowLse(Span<float> x)
    {
        var n = x.Length;
        if (n == 0) return float.NegativeInfinity;
        var level = Simd.Level;
        fixed (float* p = x)
        {
            var i = 0;
            float max = float.MinValue, sum = 0f;
            if (level == SimdLevel.Vector512 && n >= 16)
            {
                var m = Vector512.Create(float.MinValue);
                for (; i <= n - 16; i += 16) m = Vector512.Max(m, Vector512.Load(p + i));
                max = Ops512.MaxAcross(m);
                for (; i < n; i++) max = MathF.Max(max, p[i]);
                var mv = Vector512.Create(max);
                var acc = Vector512<float>.Zero;
                for (i = 0; i <= n - 16; i += 16)
                {
                    var e = VecExp.Exp(Vector512.Load(p + i) - mv);
                    e.Store(p + i);
                    acc += e;
                }
                sum = Vector512.Sum(acc);
            }
            else if (level == SimdLevel.Vector256 && n >= 8)
            {
                var m = Vector256.Create(float.MinValue);
                for (; i <= n - 8; i += 8) m = Vector256.Max(m, Vector256.Load(p + i));
                max = Ops256.MaxAcross(m);
                for (; i < n; i++) max = MathF.Max(max, p[i]);
                var mv = Vector256.Create(max);
                var acc = Vector256<float>.Zero;
                for (i = 0; i <= n - 8; i += 8)
                {
                    var e = VecExp.Exp(Vector256.Load(p + i) - mv);
                    e.Store(p + i);
                    acc += e;
                }
                sum = Vector256.Sum(acc);
            }
            else
            {
                for (; i < n; i++) max = MathF.Max(max, p[i]);
                i = 0;
            }
            for (; i < n; i++) sum += p[i] = MathF.Exp(p[i] - max);
            TensorPrimitives.Multiply(x, 1f / sum, x);
            return max + MathF.Log(sum);
        }
    }

    /// <summary>x[j] = exp(x[j]·scale − lse) in place: a softmax row rebuilt from its saved logsumexp.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ExpFromLse(Span<float> x, float scale, float lse)
    {
        var n = x.Length;
        fixed (float* p = x)
        {
            var i = 0;
            if (Simd.Level == SimdLevel.Vector512)
            {
                Vector512<float> s = Vector512.Create(scale), l = Vector512.Create(lse);
                for (; i <= n - 16; i += 16) VecExp.Exp(Vector512.Load(p + i) * s - l).Store(p + i);
            }
            else if (Simd.Level == SimdLevel.Vector256)
            {
                Vector256<float> s = Vector256.Create(scale), l = Vector256.Create(lse);
                for (; i <= n - 8; i += 8) VecExp.Exp(Vector256.Load(p + i) * s - l).Store(p + i);
            }
            for (; i < n; i++) p[i] = MathF.Exp(p[i] * scale - lse);
        }
    }
}
