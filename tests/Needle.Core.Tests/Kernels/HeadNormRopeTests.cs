using Needle.Core.Kernels;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

/// <summary>The fused QK-norm + RoPE operand kernel: fast vs naive twin (hd 64 takes the AVX-512 path, hd 8 the
/// composed one), and the backward vs finite differences of the naive forward.</summary>
[Collection("Kernels")]
public class HeadNormRopeTests
{
    public static TheoryData<SimdLevel, int> Cases()
    {
        var data = new TheoryData<SimdLevel, int>();
        for (var l = Simd.Best; l >= SimdLevel.Scalar; l--)
        {
            data.Add(l, 64);
            data.Add(l, 8);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_the_naive_twins(SimdLevel level, int hd)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(hd);
        const int t = 5, rows = 2 * t;
        var rope = new RopeTable(hd, 10000);
        foreach (var (layout, withRope) in new[]
                 {
                     (new HeadNormRope.Layout(3, 2, 2 * hd, hd), true), (new HeadNormRope.Layout(3, 0, 0, hd), false),
                     (new HeadNormRope.Layout(0, 2, 2 * hd, hd), false),
                 })
        {
            var stride = layout.Width + 3;   // strided rows, as in the fused q | k | v buffer
            var src = Random(rng, rows * stride, 2f); var ga = Random(rng, hd, 0.5f); var gb = Random(rng, hd, 0.5f);
            float[] fast = new float[rows * stride], naive = new float[rows * stride];
            HeadNormRope.Forward(src, stride, fast, stride, rows, t, layout, ga, gb, withRope ? rope : null);
            HeadNormRope.ForwardNaive(src, stride, naive, stride, rows, t, layout, ga, gb, withRope ? 10000 : null);
            AssertClose(naive, fast, 1e-5f, $"forward {layout} rope {withRope}");

            var g = Random(rng, rows * stride);
            float[] gFast = (float[])g.Clone(), gNaive = (float[])g.Clone();
            float[] daF = Enumerable.Repeat(0.5f, hd).ToArray(), dbF = (float[])daF.Clone(), daN = (float[])daF.Clone(), dbN = (float[])daF.Clone();
            HeadNormRope.Backward(src, stride, gFast, stride, rows, t, layout, ga, gb, daF, dbF, withRope ? rope : null);
            HeadNormRope.BackwardNaive(src, stride, gNaive, stride, rows, t, layout, ga, gb, daN, dbN, withRope ? 10000 : null);
            AssertClose(gNaive, gFast, 1e-5f, $"dx {layout}");
            AssertClose(daN, daF, 1e-5f, $"dγA {layout}");
            AssertClose(dbN, dbF, 1e-5f, $"dγB {layout}");
        }
    }

    [Fact]
    public void Backward_matches_finite_differences_of_the_naive_forward()
    {
        var rng = new Random(3);
        const int hd = 64, t = 3, rows = 2 * t;
        var layout = new HeadNormRope.Layout(2, 1, hd, hd);
        var stride = layout.Width;
        var x = Random(rng, rows * stride, 2f); var ga = Random(rng, hd, 0.5f); var gb = Random(rng, hd, 0.5f); var r = Random(rng, rows * stride);
        double Loss()
        {
            var y = new float[rows * stride];
            HeadNormRope.ForwardNaive(x, stride, y, stride, rows, t, layout, ga, gb, 10000);
            return GradCheck.Dot(r, y);
        }
        float[] dx = (float[])r.Clone(), da = new float[hd], db = new float[hd];
        HeadNormRope.Backward(x, stride, dx, stride, rows, t, layout, ga, gb, da, db, new RopeTable(hd, 10000));
        // The copied v values pass the gradient through unchanged (the backward leaves them alone).
        GradCheck.Check(Loss, x, dx, "x", samples: 40, eps: 1e-3f);
        GradCheck.Check(Loss, ga, da, "γA", eps: 1e-3f);
        GradCheck.Check(Loss, gb, db, "γB", eps: 1e-3f);
    }
}
