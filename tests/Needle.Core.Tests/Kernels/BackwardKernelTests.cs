using Needle.Core.Kernels;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

/// <summary>Each backward kernel: fast vs its naive twin, and the naive forward's finite differences vs the backward.</summary>
[Collection("Kernels")]
public class BackwardKernelTests
{
    [Fact]
    public void Linear_backward_matches_naive_and_finite_differences()
    {
        var rng = new Random(1);
        const int n = 5, inF = 7, outF = 6;
        var x = Random(rng, n * inF); var w = Random(rng, inF * outF); var r = Random(rng, n * outF);
        double Loss() { var y = new float[n * outF]; Gemm.MatMulNaive(x, inF, false, w, outF, false, y, outF, n, outF, inF); return GradCheck.Dot(r, y); }
        float[] dx = new float[n * inF], dw = new float[inF * outF], dxN = new float[n * inF], dwN = new float[inF * outF];
        Linear.Backward(x, w, r, dx, dw, n, inF, outF);
        Linear.BackwardNaive(x, w, r, dxN, dwN, n, inF, outF);
        AssertClose(dxN, dx, 1e-5f, "dX"); AssertClose(dwN, dw, 1e-5f, "dW");
        GradCheck.Check(Loss, x, dx, "x");
        GradCheck.Check(Loss, w, dw, "W");
    }

    [Fact]
    public void ZcRmsNorm_backward_matches_naive_and_finite_differences()
    {
        var rng = new Random(2);
        const int rows = 4, dim = 33;
        var x = Random(rng, rows * dim, 2f); var g = Random(rng, dim, 0.5f); var r = Random(rng, rows * dim);
        double Loss() { var y = new float[rows * dim]; ZcRmsNorm.ForwardNaive(x, g, y, rows, dim); return GradCheck.Dot(r, y); }
        float[] dx = new float[rows * dim], dg = new float[dim], dxN = new float[rows * dim], dgN = new float[dim];
        ZcRmsNormBackward.Backward(x, g, r, dx, dg, rows, dim);
        ZcRmsNormBackward.BackwardNaive(x, g, r, dxN, dgN, rows, dim);
        AssertClose(dxN, dx, 1e-5f, "dx"); AssertClose(dgN, dg, 1e-5f, "dγ");
        GradCheck.Check(Loss, x, dx, "x", eps: 1e-3f);
        GradCheck.Check(Loss, g, dg, "gamma");
        // Accumulating into an existing gradient adds exactly the same amount.
        var acc = Enumerable.Repeat(1f, rows * dim).ToArray();
        ZcRmsNormBackward.Backward(x, g, r, acc, new float[dim], rows, dim, accumulateDx: true);
        AssertClose(dx.Select(v => v + 1f).ToArray(), acc, 1e-6f, "accumulate");
    }

    [Fact]
    public void Rope_backward_is_the_inverse_rotation()
    {
        var rng = new Random(3);
        const int t = 5, heads = 3, hd = 8, pos0 = 2;
        var x = Random(rng, t * heads * hd); var r = Random(rng, t * heads * hd);
        double Loss() { var y = (float[])x.Clone(); Rope.ForwardNaive(y, t, heads, hd, pos0, 10000); return GradCheck.Dot(r, y); }
        var dx = (float[])r.Clone();
        RopeBackward.Backward(dx, t, heads, pos0, new RopeTable(hd, 10000), heads * hd);
        var dxN = (float[])r.Clone();
        RopeBackward.BackwardNaive(dxN, t, heads, hd, pos0, 10000);
        AssertClose(dxN, dx, 1e-5f, "dx");
        GradCheck.Check(Loss, x, dx, "x");
    }

    [Fact]
    public void Softmax_backward_matches_naive_and_finite_differences()
    {
        var rng = new Random(4);
        const int rows = 3, cols = 9;
        var x = Random(rng, rows * cols, 3f); var r = Random(rng, rows * cols);
        double Loss() { var y = (float[])x.Clone(); Softmax.ForwardNaive(y, rows, cols); return GradCheck.Dot(r, y); }
        var y0 = (float[])x.Clone(); Softmax.Forward(y0, rows, cols);
        float[] dx = new float[rows * cols], dxN = new float[rows * cols];
        SoftmaxBackward.Backward(y0, r, dx, rows, cols);
        SoftmaxBackward.BackwardNaive(y0, r, dxN, rows, cols);
        AssertClose(dxN, dx, 1e-5f, "dx");
        GradCheck.Check(Loss, x, dx, "x", eps: 1e-3f);
    }

    [Fact]
    public void Embedding_backward_scatter_adds_repeated_ids()
    {
        var rng = new Random(5);
        const int vocab = 11, dim = 4;
        int[] ids = [3, 7, 3, 0, 10, 3];
        var table = Random(rng, vocab * dim); var r = Random(rng, ids.Length * dim);
        const float scale = 2.5f;
        double Loss() { var y = new float[ids.Length * dim]; Elementwise.EmbeddingGather(table, dim, ids, y, scale); return GradCheck.Dot(r, y); }
        float[] dt = new float[vocab * dim], dtN = new float[vocab * dim];
        EmbeddingBackward.ScatterAdd(r, ids, dt, dim, scale);
        EmbeddingBackward.ScatterAddNaive(r, ids, dtN, dim, scale);
        AssertClose(dtN, dt, 1e-6f, "dTable");
        GradCheck.Check(Loss, table, dt, "table", samples: 44);
        Assert.All(dt.AsSpan(1 * dim, dim).ToArray(), v => Assert.Equal(0f, v)); // id 1 never used
    }

    [Fact]
    public void Gated_residual_backward_gives_gate_and_input_gradients()
    {
        var rng = new Random(6);
        const int n = 40;
        var x = Random(rng, n); var y = Random(rng, n); var r = Random(rng, n);
        var gate = new[] { 0.3f };
        double Loss() { var o = (float[])x.Clone(); Elementwise.GatedResidualAdd(o, y, gate[0]); return GradCheck.Dot(r, o); }
        float[] dy = new float[n], dyN = new float[n];
        var dg = GatedResidual.Backward(r, y, dy, gate[0]);
        var dgN = GatedResidual.BackwardNaive(r, y, dyN, gate[0]);
        AssertClose(dyN, dy, 1e-6f, "dy");
        Assert.Equal(dgN, dg, 5);
        GradCheck.Check(Loss, y, dy, "y");
        GradCheck.Check(Loss, gate, [dg], "gate");
    }

    [Fact]
    public void Dropout_is_seeded_scaled_and_its_backward_uses_the_same_mask()
    {
        var rng = new Random(7);
        const int n = 20000;
        const float p = 0.1f;
        var key = Dropout.Key(42, 3, 5);
        var x = Enumerable.Repeat(1f, n).ToArray();
        Dropout.Apply(x, p, key);
        var kept = x.Count(v => v != 0);
        Assert.InRange(kept / (double)n, 0.89, 0.91);
        Assert.All(x.Where(v => v != 0), v => Assert.Equal(1f / 0.9f, v, 6));
        var again = Enumerable.Repeat(1f, n).ToArray();
        Dropout.Apply(again, p, key);
        Assert.Equal(x, again);
        var other = Enumerable.Repeat(1f, n).ToArray();
        Dropout.Apply(other, p, Dropout.Key(42, 4, 5));
        Assert.NotEqual(x, other);

        var a = Random(rng, 64); var r = Random(rng, 64);
        double Loss() { var o = (float[])a.Clone(); Dropout.Apply(o, p, key); return GradCheck.Dot(r, o); }
        var da = (float[])r.Clone();
        Dropout.Apply(da, p, key);
        GradCheck.Check(Loss, a, da, "x", samples: 64);
        // Offsets address the same stream: applying in two halves equals applying once.
        var whole = Random(new Random(8), 100); var halves = (float[])whole.Clone();
        Dropout.Apply(whole, p, key);
        Dropout.Apply(halves.AsSpan(0, 37), p, key, 0); Dropout.Apply(halves.AsSpan(37), p, key, 37);
        Assert.Equal(whole, halves);
        // The vectorized-by-blocks mask equals the per-element reference at any offset.
        var ones = Enumerable.Repeat(1f, 50).ToArray();
        Dropout.Apply(ones, p, key, 3);
        for (var i = 0; i < ones.Length; i++) Assert.Equal(Dropout.Kept(p, key, 3 + i), ones[i] != 0);
    }

    [Theory]
    [MemberData(nameof(Levels), MemberType = typeof(KernelTestUtil))]
    public void Dropout_vector_mask_equals_the_per_element_reference(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        const float p = 0.1f;
        var key = Dropout.Key(7, 11, 2);
        foreach (var offset in new long[] { 0, 1, 2, 3, 4, 1L << 33 })
        {
            var x = Enumerable.Repeat(2f, 301).ToArray();
            Dropout.Apply(x, p, key, offset);
            for (var i = 0; i < x.Length; i++)
                Assert.Equal(Dropout.Kept(p, key, offset + i) ? 2f / 0.9f : 0f, x[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Levels), MemberType = typeof(KernelTestUtil))]
    public void Fused_gate_dropout_matches_naive_and_finite_differences(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(9);
        const int n = 4 * 512 + 40;
        const float p = 0.2f, sigma = 0.6f;
        var key = Dropout.Key(3, 1, 4);
        foreach (var rate in new[] { p, 0f })
        foreach (var offset in new long[] { 0, 1024, 3 })
        {
            var y = Random(rng, n); var x = Random(rng, n); var dOut = Random(rng, n);
            float[] yF = (float[])y.Clone(), yN = (float[])y.Clone(), outF = new float[n], outN = new float[n];
            GatedResidual.ForwardDropout(yF, x, outF, sigma, rate, key, offset);
            GatedResidual.ForwardDropoutNaive(yN, x, outN, sigma, rate, key, offset);
            AssertClose(yN, yF, 1e-6f, "dropped y");
            AssertClose(outN, outF, 1e-6f, "xOut");
            float[] dyF = new float[n], dyN = new float[n];
            var dotF = GatedResidual.BackwardDropout(dOut, yF, dyF, sigma, rate, key, offset);
            var dotN = GatedResidual.BackwardDropoutNaive(dOut, yN, dyN, sigma, rate, key, offset);
            AssertClose(dyN, dyF, 1e-6f, "dY");
            Assert.Equal(dotN, dotF, 1e-3);
        }
        // Finite differences through the naive forward: d(Σ r ⊙ xOut)/dy = BackwardDropout's dY, and its sum gives dσ.
        var y0 = Random(rng, 96); var x0 = Random(rng, 96); var r = Random(rng, 96);
        var sg = new[] { sigma };
        double Loss()
        {
            float[] yy = (float[])y0.Clone(), o = new float[96];
            GatedResidual.ForwardDropoutNaive(yy, x0, o, sg[0], p, key, 5);
            return GradCheck.Dot(r, o);
        }
        float[] yDropped = (float[])y0.Clone(), dy = new float[96];
        GatedResidual.ForwardDropout(yDropped, x0, new float[96], sigma, p, key, 5);
        var dSigma = GatedResidual.BackwardDropout(r, yDropped, dy, sigma, p, key, 5);
        GradCheck.Check(Loss, y0, dy, "y", samples: 96);
        GradCheck.Check(Loss, sg, [(float)dSigma], "sigma");
    }
}
