using Needle.Core.Kernels;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

/// <summary>A product over several input rows gives each row the bits a one-row product gives (speculative decoding relies on it).</summary>
[Collection("Kernels")]
public class MatVecRowsTests
{
    public static TheoryData<SimdLevel> AllLevels => Levels();

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Each_row_of_a_many_row_product_equals_its_one_row_product_bitwise(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(61);
        foreach (var precision in new[] { WeightPrecision.Float16, WeightPrecision.Float32 })
        foreach (var (m, n, k) in new[] { (8, 300, 512), (3, 70, 48), (5, 40, 56), (2, 33, 7), (4, 1100, 64) })
        {
            var w = PackedRows.FromRows(Random(rng, n * k, 0.1f), n, k, precision);
            var x = Random(rng, m * k);
            var many = new float[m * n];
            MatVec.Forward(x, w, many, m);
            for (var i = 0; i < m; i++)
            {
                var one = new float[n];
                MatVec.Forward(x.AsSpan(i * k, k), w, one, 1);
                Assert.True(one.AsSpan().SequenceEqual(many.AsSpan(i * n, n)), $"{level} {precision} m={m} n={n} k={k} row {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Half_weights_at_the_edges_and_large_inputs_give_the_widened_rows_bits(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(67);
        // Subnormal, smallest normal, signed zeros, the largest half, and ordinary weights.
        float[] special = [6e-8f, -6e-8f, 3.1e-6f, -4.5e-5f, 6.104e-5f, -0f, 0f, 65504f, -65504f, 1f, -0.333f];
        int n = 37, k = 80;
        var w = new float[n * k];
        for (var i = 0; i < w.Length; i++) w[i] = i % 3 == 0 ? special[rng.Next(special.Length)] : (float)(rng.NextDouble() - 0.5) * 0.1f;
        var packed = PackedRows.FromRows(w, n, k, WeightPrecision.Float16);
        foreach (var scale in new[] { 1e-3f, 1f, 20000f, 40000f }) // 40000 ≥ 2^15: the unscaled path
        {
            var x = Random(rng, 2 * k, scale);
            var two = new float[2 * n];
            MatVec.Forward(x, packed, two, 2, parallel: false);     // widened rows
            var one = new float[n];
            MatVec.Forward(x.AsSpan(0, k), packed, one, 1, parallel: false);
            Assert.True(one.AsSpan().SequenceEqual(two.AsSpan(0, n)), $"{level} x scale {scale}");
            var naive = new float[n];
            MatVec.ForwardNaive(x.AsSpan(0, k), packed, naive, 1);
            for (var r = 0; r < n; r++) Assert.True(Math.Abs(one[r] - naive[r]) <= 1e-4 * (1 + Math.Abs(naive[r])) * scale * 65504, $"{level} row {r}");
        }
    }
}
