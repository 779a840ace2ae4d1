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

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Prepacked_B_matches_naive_and_the_unpacked_product_bit_for_bit(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(77 + (int)level);
        // k = 600 spans two KC blocks, n = 2100 two NC blocks with a ragged last panel; m = 300 splits over M.
        int[][] shapes = [[1, 37, 5], [5, 2100, 600], [64, 300, 70], [300, 40, 33]];
        foreach (var s in shapes)
        foreach (var transB in new[] { false, true })
        foreach (var accumulate in new[] { false, true })
        {
            int m = s[0], n = s[1], k = s[2];
            var a = Random(rng, m * k);
            var b = Random(rng, k * n);
            var c0 = Random(rng, m * n);
            var expected = (float[])c0.Clone();
            var unpacked = (float[])c0.Clone();
            var packed = (float[])c0.Clone();
            Gemm.MatMulNaive(a, k, false, b, transB ? k : n, transB, expected, n, m, n, k, accumulate);
            Gemm.MatMul(a, b, unpacked, m, n, k, transB: transB, accumulate: accumulate);
            Gemm.MatMul(a, new GemmPackedB(b, k, n, transB), packed, m, accumulate);
            var what = $"{level} m={m} n={n} k={k} tB={transB} acc={accumulate}";
            AssertClose(expected, packed, 1e-5f * MathF.Sqrt(k), what);
            Assert.True(unpacked.AsSpan().SequenceEqual(packed), $"packed differs from unpacked: {what}");
        }
    }

    [Fact]
    public void Prepacked_B_falls_back_to_its_source_when_the_simd_level_changes()
    {
        var rng = new Random(5);
        var a = Random(rng, 7 * 40);
        var b = Random(rng, 40 * 50);
        var packed = new GemmPackedB(b, 40, 50); // packed at the machine's best level
        var expected = new float[7 * 50];
        var actual = new float[7 * 50];
        Gemm.MatMulNaive(a, 40, false, b, 50, false, expected, 50, 7, 50, 40, false);
        using (Simd.Force(SimdLevel.Scalar)) Gemm.MatMul(a, packed, actual, 7);
        AssertClose(expected, actual, 1e-4f, "scalar fallback");
        Assert.Throws<ArgumentException>(() => Gemm.MatMul(a.AsSpan(0, 10), packed, actual, 7));
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Threaded_split_along_m_or_n_with_transposed_operands_matches_one_thread_bit_for_bit(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(11 + (int)level);
        // m ≫ n splits along M (B packed by both threads), n ≥ m along N; k = 1030 spans three KC blocks with a
        // ragged tail of the 8 × 8 transposes; strided leading dimensions as in the training backward.
        foreach (var (m, n, k) in new[] { (300, 72, 1030), (40, 264, 1030) })
        foreach (var transA in new[] { false, true })
        foreach (var transB in new[] { false, true })
        {
            int lda = (transA ? m : k) + 5, ldb = (transB ? k : n) + 3, ldc = n + 7;
            var a = Random(rng, (transA ? k : m) * lda);
            var b = Random(rng, (transB ? n : k) * ldb);
            var c0 = Random(rng, m * ldc);
            var expected = (float[])c0.Clone();
            var single = (float[])c0.Clone();
            var threaded = (float[])c0.Clone();
            Gemm.MatMulNaive(a, lda, transA, b, ldb, transB, expected, ldc, m, n, k, accumulate: true);
            Gemm.MatMul(a, lda, transA, b, ldb, transB, single, ldc, m, n, k, accumulate: true, parallel: false);
            Gemm.MatMul(a, lda, transA, b, ldb, transB, threaded, ldc, m, n, k, accumulate: true);
            var what = $"{level} {m}x{n}x{k} tA={transA} tB={transB}";
            AssertClose(expected, threaded, 1e-5f * MathF.Sqrt(k), what);
            Assert.True(single.AsSpan().SequenceEqual(threaded), $"threaded differs from one thread: {what}");
        }
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Symmetric_product_matches_the_full_product_bit_for_bit_and_the_naive_one(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(21 + (int)level);
        // n spans several 64-row blocks with a ragged last one; k = 600 spans two KC blocks.
        foreach (var (n, k) in new[] { (1, 3), (37, 53), (200, 600) })
        {
            var y = Random(rng, n * k);
            var expected = new float[n * n];
            var full = new float[n * n];
            var syrk = Random(rng, n * n);   // overwritten
            Gemm.MatMulNaive(y, k, false, y, k, true, expected, n, n, n, k, false);
            Gemm.MatMul(y, k, false, y, k, true, full, n, n, n, k, parallel: false);
            Gemm.MultiplyByTranspose(y, syrk, n, k);
            AssertClose(expected, syrk, 1e-5f * MathF.Sqrt(k), $"{level} n={n} k={k}");
            Assert.True(full.AsSpan().SequenceEqual(syrk), $"symmetric product differs from the full one: {level} n={n} k={k}");
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
