using Needle.Core.Kernels;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

/// <summary>
/// Each Backward against central finite differences of its naive forward (double inside) on the scalar loss
/// L = Σ w ⊙ forward(inputs), w random. One shared checker; each op joins with a few lines.
/// </summary>
[Collection("Kernels")]
public class BackwardTests
{
    /// <summary>Checks analytic dL/dx against (L(x+ε) − L(x−ε)) / 2ε for every element of x.</summary>
    private static void CheckGradient(float[] x, float[] analytic, Func<float[], double> loss, string what, double eps = 1e-2, double tol = 2e-3)
    {
        var numeric = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var keep = x[i];
            x[i] = keep + (float)eps; var up = loss(x);
            x[i] = keep - (float)eps; var down = loss(x);
            x[i] = keep;
            numeric[i] = (up - down) / (2 * eps);
        }
        var scale = Math.Max(1e-3, numeric.Max(Math.Abs));
        for (var i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(analytic[i] - numeric[i]) <= tol * scale,
                $"{what}[{i}]: analytic {analytic[i]} vs numeric {numeric[i]} (scale {scale})");
    }

    private static double Weighted(float[] y, float[] w) => y.Select((v, i) => (double)v * w[i]).Sum();

    [Fact]
    public void ZcRmsNorm_backward_matches_finite_differences()
    {
        var rng = new Random(1);
        const int rows = 3, dim = 7;
        var x = Random(rng, rows * dim, 2f);
        var g = Random(rng, dim, 0.5f);
        var w = Random(rng, rows * dim);
        var dx = new float[rows * dim];
        var dg = new float[dim];
        ZcRmsNorm.Backward(x, g, w, dx, dg, rows, dim);
        double L(float[] xx, float[] gg) { var y = new float[rows * dim]; ZcRmsNorm.ForwardNaive(xx, gg, y, rows, dim); return Weighted(y, w); }
        CheckGradient(x, dx, xx => L(xx, g), "dx");
        CheckGradient(g, dg, gg => L(x, gg), "dgamma");
    }

    [Fact]
    public void Rope_backward_is_the_inverse_rotation()
    {
        var rng = new Random(2);
        const int t = 4, heads = 2, hd = 8;
        var table = new RopeTable(hd, 10000.0);
        var x = Random(rng, t * heads * hd);
        var w = Random(rng, t * heads * hd);
        var dx = (float[])w.Clone();
        Rope.Backward(dx, t, heads, 3, table, heads * hd);
        CheckGradient(x, dx, xx => { var y = (float[])xx.Clone(); Rope.ForwardNaive(y, t, heads, hd, 3, 10000.0); return Weighted(y, w); }, "dx");
    }

    [Fact]
    public void Softmax_backward_matches_finite_differences()
    {
        var rng = new Random(3);
        const int rows = 2, cols = 9;
        var x = Random(rng, rows * cols, 3f);
        var w = Random(rng, rows * cols);
        var y = (float[])x.Clone();
        Softmax.Forward(y, rows, cols);
        var dx = new float[rows * cols];
        Softmax.Backward(y, w, dx, rows, cols);
        CheckGradient(x, dx, xx => { var yy = (float[])xx.Clone(); Softmax.ForwardNaive(yy, rows, cols); return Weighted(yy, w); }, "dx");
    }

    [Fact]
    public void Gated_residual_and_embedding_backward()
    {
        var rng = new Random(4);
        var a = Random(rng, 6);
        var dy = Random(rng, 6);
        var da = new float[6];
        var dg = Elementwise.GatedResidualAddBackward(dy, a, 0.3f, da);
        var g = new[] { 0.3f };
        CheckGradient(g, [dg], gg => { var x = new float[6]; Elementwise.GatedResidualAdd(x, a, gg[0]); return Weighted(x, dy); }, "dgate");
        Assert.Equal(Elementwise.Sigmoid(0.3f) * dy[2], da[2], 6);

        var dTable = new float[3 * 2];
        Elementwise.EmbeddingGatherBackward([1, 2, 3, 4], 2, [2, 2], dTable, 0.5f);
        Assert.Equal([0f, 0, 0, 0, 2, 3], dTable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Attention_backward_matches_finite_differences_with_gqa_and_masks(bool causal)
    {
        var rng = new Random(5);
        const int batch = 2, tq = 3, tk = 4, heads = 4, kv = 2, hd = 4;
        const float scale = 0.5f;
        var q = Random(rng, batch * tq * heads * hd);
        var k = Random(rng, batch * tk * kv * hd);
        var v = Random(rng, batch * tk * kv * hd);
        var valid = new bool[batch * tk];
        for (var i = 0; i < valid.Length; i++) valid[i] = i != 2;
        var w = Random(rng, batch * tq * heads * hd);
        var dq = new float[q.Length];
        var dk = new float[k.Length];
        var dv = new float[v.Length];
        Attention.Backward(q, k, v, w, dq, dk, dv, batch, tq, tk, heads, kv, hd, valid, causal, 1, scale);
        double L(float[] qq, float[] kk, float[] vv)
        {
            var o = new float[qq.Length];
            Attention.ForwardNaive(qq, kk, vv, o, batch, tq, tk, heads, kv, hd, valid, causal, 1, scale);
            return Weighted(o, w);
        }
        CheckGradient(q, dq, x => L(x, k, v), "dq");
        CheckGradient(k, dk, x => L(q, x, v), "dk");
        CheckGradient(v, dv, x => L(q, k, x), "dv");
    }
}
