namespace Needle.Core.Kernels;

public static partial class Gemm
{
    /// <summary>The reference: a triple loop in double precision, same argument meaning as <see cref="MatMul(ReadOnlySpan{float}, int, bool, ReadOnlySpan{float}, int, bool, Span{float}, int, int, int, int, bool, bool)"/>.</summary>
    public static void MatMulNaive(ReadOnlySpan<float> a, int lda, bool transA, ReadOnlySpan<float> b, int ldb, bool transB,
        Span<float> c, int ldc, int m, int n, int k, bool accumulate = false)
    {
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            double sum = accumulate ? c[i * ldc + j] : 0.0;
            for (var p = 0; p < k; p++)
            {
                var av = transA ? a[p * lda + i] : a[i * lda + p];
                var bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                sum += (double)av * bv;
            }
            c[i * ldc + j] = (float)sum;
        }
    }
}
