using Needle.Core.Kernels;
using Needle.Core.Training;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

[Collection("Kernels")]
public class MatVecInt8Tests
{
    public static TheoryData<SimdLevel> AllLevels => Levels();

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Int8_matvec_matches_naive_with_partial_groups_and_odd_group_counts(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(23);
        // K = 515 (16 full groups + 3), 96 (3 groups: one left after the pairs), 48 (a tiny model's d), 7 (no full group).
        foreach (var (m, n, k) in new[] { (1, 5, 7), (1, 600, 515), (1, 40, 96), (3, 37, 48), (2, 2048, 128), (1, 8192, 64) })
        {
            var w = Random(rng, k * n, 0.1f);
            w[1] = 0.9f; // one large weight: its group's other weights quantize coarsely
            var packed = PackedRows.FromKernel(w, k, n, WeightPrecision.Int8);
            var x = Random(rng, m * k);
            var expected = new float[m * n];
            var actual = new float[m * n];
            MatVec.ForwardNaive(x, packed, expected, m);
            MatVec.Forward(x, packed, actual, m);
            AssertClose(expected, actual, 2e-6f * MathF.Sqrt(k), $"{level} int8 {m}x{n}x{k}");
        }
    }

    [Fact]
    public void Int8_weights_equal_upstreams_int8_fake_quantization()
    {
        // A kernel (K=70, N=9) as (in, out): groups of 32 inputs per output column, the last group partial.
        var rng = new Random(29);
        int k = 70, n = 9;
        var w = Random(rng, k * n, 0.05f);
        w[5 * n + 2] = 0f;
        for (var i = 32; i < 64; i++) w[i * n + 4] = 0f; // an all-zero group: scale clamps to 1e-8, weights stay 0
        var packed = PackedRows.FromKernel(w, k, n, WeightPrecision.Int8);
        var fake = FakeQuant.Apply(w, [k, n], bits: 8);
        for (var i = 0; i < k; i++)
        for (var j = 0; j < n; j++)
            Assert.Equal(fake[i * n + j], packed[j, i]);
        Assert.Equal(n * k + n * 3 * 4, packed.Bytes);
    }

    [Fact]
    public void Int8_quantization_error_is_bounded_by_half_a_step()
    {
        var rng = new Random(31);
        var w = Random(rng, 64 * 3, 1f); // (K=64, N=3)
        var packed = PackedRows.FromKernel(w, 64, 3, WeightPrecision.Int8);
        for (var j = 0; j < 3; j++)
        for (var g = 0; g < 2; g++)
        {
            var max = 0f;
            for (var i = g * 32; i < g * 32 + 32; i++) max = MathF.Max(max, MathF.Abs(w[i * 3 + j]));
            for (var i = g * 32; i < g * 32 + 32; i++)
                Assert.True(MathF.Abs(packed[j, i] - w[i * 3 + j]) <= max / 127f * 0.5f * 1.0001f, $"({j}, {i})");
        }
    }
}
