using Needle.Core.Kernels;

namespace Needle.Core.Training.Engine;

/// <summary>The engine's blocked SIMD GEMM behind the optimizers' <see cref="IMatMul"/> seam (Newton–Schulz in Muon).</summary>
public sealed class GemmMatMul : IMatMul
{
    public static GemmMatMul Instance { get; } = new();

    public void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Gemm.MatMul(a[..(m * k)], b[..(k * n)], c[..(m * n)], m, n, k);
}
