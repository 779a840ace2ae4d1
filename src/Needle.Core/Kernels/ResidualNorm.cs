using System.Numerics.Tensors;

namespace Needle.Core.Kernels;

/// <summary>
/// The seam between two pre-norm blocks in one row-parallel pass: x += σ(gate) · y (the gated residual), then
/// out = ZC-RMSNorm(x; γ) for the next block (or the final norm). Same arithmetic as
/// <see cref="Elementwise.GatedResidualAdd"/> followed by <see cref="ZcRmsNorm.Forward"/>.
/// </summary>
public static unsafe class ResidualNorm
{
    /// <summary>x, y, out (rows, dim); γ (dim); out may alias x (then x ends normalized) but not y.</summary>
    public static void Forward(Span<float> x, ReadOnlySpan<float> y, float gate, ReadOnlySpan<float> gamma, Span<float> output,
        int rows, int dim, bool parallel = true)
    {
        long n = (long)rows * dim;
        if (x.Length < n || y.Length < n || output.Length < n || gamma.Length != dim)
            throw new ArgumentException($"ResidualNorm: need x, y, out >= {rows}×{dim} and gamma of {dim}.");
        var s = Elementwise.Sigmoid(gate);
        fixed (float* px0 = x, py0 = y, pg0 = gamma, po0 = output)
        {
            nint px = (nint)px0, py = (nint)py0, pg = (nint)pg0, po = (nint)po0;
            RowParallel.For(rows, n, parallel, (r0, r1) =>
            {
                long off = (long)r0 * dim, len = (long)(r1 - r0) * dim;
                var xs = new Span<float>((float*)px + off, (int)len);
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)py + off, (int)len), s, xs, xs);
                ZcRmsNorm.Rows((float*)px + off, (float*)pg, (float*)po + off, r1 - r0, dim);
            });
        }
    }

    /// <summary>The reference, in double.</summary>
    public static void ForwardNaive(Span<float> x, ReadOnlySpan<float> y, float gate, ReadOnlySpan<float> gamma, Span<float> output,
        int rows, int dim)
    {
        var s = 1.0 / (1.0 + Math.Exp(-gate));
        for (var i = 0; i < rows * dim; i++) x[i] = (float)(x[i] + s * y[i]);
        ZcRmsNorm.ForwardNaive(x, gamma, output, rows, dim);
    }
}
