namespace Needle.Core.Kernels;

/// <summary>
/// Bias-free dense layer y = x · W with W stored (in, out) like Flax kernels, and its backward through GEMM transposes:
/// dX = dY · Wᵀ, dW += Xᵀ · dY.
/// </summary>
public static class Linear
{
    /// <summary>y (N, out) = x (N, in) · W (in, out).</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, int n, int inFeatures, int outFeatures) =>
        Gemm.MatMul(x, w, y, n, outFeatures, inFeatures);

    /// <summary>
    /// dX (N, in) = dY (N, out) · Wᵀ (or += when <paramref name="accumulateDx"/>; skipped when dX is empty), and
    /// dW (in, out) += Xᵀ · dY (gradients accumulate over calls, like PyTorch's .grad).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dY, Span<float> dX, Span<float> dW,
        int n, int inFeatures, int outFeatures, bool accumulateDx = false)
    {
        if (!dX.IsEmpty) Gemm.MatMul(dY, w, dX, n, inFeatures, outFeatures, transB: true, accumulate: accumulateDx);
        Gemm.MatMul(x, dY, dW, inFeatures, outFeatures, n, transA: true, accumulate: true);
    }

    /// <summary>The reference: the same products with the double-precision naive GEMM.</summary>
    public static void BackwardNaive(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dY, Span<float> dX, Span<float> dW,
        int n, int inFeatures, int outFeatures, bool accumulateDx = false)
    {
        if (!dX.IsEmpty) Gemm.MatMulNaive(dY, outFeatures, false, w, outFeatures, true, dX, inFeatures, n, inFeatures, outFeatures, accumulateDx);
        Gemm.MatMulNaive(x, inFeatures, true, dY, outFeatures, false, dW, outFeatures, inFeatures, outFeatures, n, accumulate: true);
    }
}
