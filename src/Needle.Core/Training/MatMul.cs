namespace Needle.Core.Training;

/// <summary>
/// The GEMM the optimizers need (Newton–Schulz). A naive one is built in; the engine's blocked SIMD GEMM can be
/// plugged in through this seam.
/// </summary>
public interface IMatMul
{
    /// <summary>C = A · B with A (M, K), B (K, N), C (M, N), all row-major; C is overwritten.</summary>
    void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n);
}

/// <summary>Reference i-k-j triple loop (float accumulation, like a plain f32 GEMM).</summary>
public sealed class NaiveMatMul : IMatMul
{
    public static NaiveMatMul Instance { get; } = new();

    public void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        if (a.Length < m * k || b.Length < k * n || c.Length < m * n) throw new ArgumentException("Matrix buffers are smaller than their shapes.");
        c[..(m * n)].Clear();
        for (int i = 0; i < m; i++)
        {
            var crow = c.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                float av = a[i * k + p];
                if (av == 0) continue;
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), av, crow, crow);
            }
        }
    }
}

/// <summary>The engine's blocked, multi-threaded SIMD GEMM (<see cref="Kernels.Gemm"/>): the default for Muon.</summary>
public sealed class KernelMatMul : IMatMul
{
    public static KernelMatMul Instance { get; } = new();

    public void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Kernels.Gemm.MatMul(a, b, c, m, n, k);
}
