using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// Zero-centred RMSNorm: y = (1 + γ) ⊙ x / sqrt(mean(x²) + eps), per row of length dim.
/// γ starts at 0, so the norm starts as a plain RMSNorm (needle-model.md §2).
/// </summary>
public static unsafe partial class ZcRmsNorm
{
    public const float Eps = 1e-6f;

    /// <summary>x (rows, dim) → y (rows, dim); x and y may alias. γ (dim).</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, Span<float> y, int rows, int dim)
    {
        if (x.Length < rows * dim || y.Length < rows * dim || gamma.Length != dim)
            throw new ArgumentException($"ZcRmsNorm: need x,y >= {rows}×{dim} and gamma of {dim}; got {x.Length}, {y.Length}, {gamma.Length}.");
        fixed (float* px = x, pg = gamma, py = y)
            Rows(px, pg, py, rows, dim);
    }

    /// <summary>Unchecked pointer form: rows × dim, contiguous; x and y may alias.</summary>
    internal static void Rows(float* x, float* gamma, float* y, int rows, int dim)
    {
        switch (Simd.Level)
        {
            case SimdLevel.Vector512: Run<Ops512, Vector512<float>>(x, gamma, y, rows, dim); break;
            case SimdLevel.Vector256: Run<Ops256, Vector256<float>>(x, gamma, y, rows, dim); break;
            case SimdLevel.Vector128: Run<Ops128, Vector128<float>>(x, gamma, y, rows, dim); break;
            default: Run<OpsScalar, float>(x, gamma, y, rows, dim); break;
        }
    }

    private static void Run<TOps, TVec>(float* x, float* gamma, float* y, int rows, int dim)
        where TOps : struct, IVecOps<TVec> where TVec : struct
    {
        var w = TOps.Count;
        for (var r = 0; r < rows; r++)
        {
            float* xr = x + (long)r * dim, yr = y + (long)r * dim;
            var acc = TOps.Zero;
            var i = 0;
            for (; i <= dim - w; i += w)
            {
                var v = TOps.Load(xr + i);
                acc = TOps.Fma(v, v, acc);
            }
            var ss = TOps.Sum(acc);
            for (; i < dim; i++) ss += xr[i] * xr[i];
            var inv = 1f / MathF.Sqrt(ss / dim + Eps);
            var invV = TOps.Broadcast(inv);
            var one = TOps.Broadcast(1f);
            i = 0;
            for (; i <= dim - w; i += w)
                TOps.Store(yr + i, TOps.Mul(TOps.Mul(TOps.Load(xr + i), invV), TOps.Add(one, TOps.Load(gamma + i))));
            for (; i < dim; i++) yr[i] = xr[i] * inv * (1f + gamma[i]);
        }
    }

    /// <summary>The reference, in double.</summary>
    public static void ForwardNaive(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, Span<float> y, int rows, int dim)
    {
        for (var r = 0; r < rows; r++)
        {
            double ss = 0;
            for (var i = 0; i < dim; i++) ss += (double)x[r * dim + i] * x[r * dim + i];
            var inv = 1.0 / Math.Sqrt(ss / dim + Eps);
            for (var i = 0; i < dim; i++) y[r * dim + i] = (float)(x[r * dim + i] * inv * (1.0 + gamma[i]));
        }
    }
}
