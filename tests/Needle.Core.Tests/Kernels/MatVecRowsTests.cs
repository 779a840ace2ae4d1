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
}
