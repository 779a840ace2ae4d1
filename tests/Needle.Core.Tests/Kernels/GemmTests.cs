using Needle.Core.Kernels;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

[Collection("Kernels")]
public class GemmTests
{
    public static TheoryData<SimdLevel> AllLevels => Levels();

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Matches_naive_for_all_transposes_odd_shapes_and_accumulate(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(1234 + (int)level);
        int[][] shapes = [[1, 1, 1], [3, 5, 7], [8, 32, 16], [13, 37, 29], [97, 33, 515], [6, 17, 1], [50, 1, 64], [1, 300, 70]];
        foreach (var s in shapes)
        foreach (var transA in new[] { false, true })
        foreach (var transB in new[] { false, true })
        foreach (var accumulate in new[] { false, true })
        {
            int m = s[0], n = s[1], k = s[2];
            // Leading dimensions larger than the logical width exercise strided access.
            int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2;
            var a = Random(rng, (transA ? k : m) * lda);
            var b = Random(rng, (transB ? n : k) * ldb);
            var c0 = Random(rng, m * ldc);
            var expected = (float[])c0.Clone();
            var actual = (float[])c0.Clone();
            Gemm.MatMulNaive(a, lda, transA, b, ldb, transB, expected, ldc, m, n, k, accumulate);
            Gemm.MatMul(a, lda, transA, b, ldb, transB, actual, ldc, m, n, k, accumulate);
            AssertClose(expected, actual, 1e-5f * MathF.Sqrt(k), $"{level} m={m} n={n} k={k} tA={transA} tB={transB} acc={accumulate}");
        }
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Matches_naive_on_a_parallel_shape_spanning_several_blocks(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(7);
        // k > KC and m > MC: several packing blocks; n and m large enough for the threaded split.
        foreach (var (m, n, k) in new[] { (130, 70, 600), (20, 2100, 40) })
        {
            var a = Random(rng, m * k);
            var b = Random(rng, k * n);
            var expected = new float[m * n];
            var actual = new float[m * n];
            Gemm.MatMulNaive(a, k, false, b, n, false, expected, n, m, n, k);
            Gemm.MatMul(a, b, actual, m, n, k);
            AssertClose(expected, actual, 1e-5f * MathF.Sqrt(k), $"{level} {m}x{n}x{k}");
        }
    }

    [Fact]
    public void K_zero_clears_or_keeps_C()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.MatMul([], [], c, 2, 2, 0, accumulate: true);
        Assert.Equal([1f, 2, 3, 4], c);
        Gemm.MatMul([], [], c, 2, 2, 0);
        Assert.Equal([0f, 0, 0, 0], c);
    }

    [Fact]
    public void Rejects_too_short_operands()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.MatMul(new float[5], new float[6], new float[4], 2, 2, 3));
        Assert.Contains("A", ex.Message);
    }
}
