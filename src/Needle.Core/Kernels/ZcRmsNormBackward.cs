using System.Numerics.Tensors;

namespace Needle.Core.Kernels;

/// <summary>
/// Backward of <see cref="ZcRmsNorm"/>: y = (1 + γ) ⊙ x · r with r = (mean(x²) + eps)^(−1/2). With u = dy ⊙ (1 + γ):
/// dx = r · (u − x · r² · Σ(u ⊙ x) / dim), dγ += Σ_rows dy ⊙ x · r.
/// </summary>
public static class ZcRmsNormBackward
{
    /// <summary>
    /// x (rows, dim) is the forward input; dy (rows, dim); dx (rows, dim) is written (or accumulated into when
    /// <paramref name="accumulateDx"/>) and may alias dy; dγ (dim) accumulates.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma,
        int rows, int dim, bool accumulateDx = false)
    {
        if (x.Length < rows * dim || dy.Length < rows * dim || dx.Length < rows * dim || gamma.Length != dim || dGamma.Length != dim)
            throw new ArgumentException($"ZcRmsNormBackward: need x, dy, dx >= {rows}×{dim} and gamma, dGamma of {dim}.");
        Span<float> u = dim <= 1024 ? stackalloc float[dim] : new float[dim];
        Span<float> t = dim <= 1024 ? stackalloc float[dim] : new float[dim];
        for (var r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * dim, dim);
            var dyr = dy.Slice(r * dim, dim);
            var dxr = dx.Slice(r * dim, dim);
            var rs = 1f / MathF.Sqrt(TensorPrimitives.Dot(xr, xr) / dim + ZcRmsNorm.Eps);
            TensorPrimitives.MultiplyAdd(dyr, gamma, dyr, u);          // u = dy + dy·γ = dy ⊙ (1 + γ)
            TensorPrimitives.Multiply(dyr, xr, t);
            TensorPrimitives.MultiplyAdd(t, rs, dGamma, dGamma);      // dγ += dy ⊙ x · r
            var c = -rs * rs * rs * TensorPrimitives.Dot(u, xr) / dim;
            TensorPrimitives.Multiply(u, rs, u);
            TensorPrimitives.MultiplyAdd(xr, c, u, u);                 // u = r·u − r³·c'·x
            if (accumulateDx) TensorPrimitives.Add(dxr, u, dxr);
            else u.CopyTo(dxr);
        }
    }

    /// <summary>The reference, in double.</summary>
    public static void BackwardNaive(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dGamma,
        int rows, int dim, bool accumulateDx = false)
    {
        var g = new double[dim];
        for (var r = 0; r < rows; r++)
        {
            double ss = 0, c = 0;
            for (var i = 0; i < dim; i++) ss += (double)x[r * dim + i] * x[r * dim + i];
            var rs = 1.0 / Math.Sqrt(ss / dim + ZcRmsNorm.Eps);
            for (var i = 0; i < dim; i++) c += (double)dy[r * dim + i] * (1.0 + gamma[i]) * x[r * dim + i];
            for (var i = 0; i < dim; i++)
            {
                var d = rs * (dy[r * dim + i] * (1.0 + gamma[i])) - rs * rs * rs * c / dim * x[r * dim + i];
                dx[r * dim + i] = (float)(accumulateDx ? dx[r * dim + i] + d : d);
                g[i] += (double)dy[r * dim + i] * x[r * dim + i] * rs;
            }
        }
        for (var i = 0; i < dim; i++) dGamma[i] = (float)(dGamma[i] + g[i]);
    }
}
