using System.Text.Json;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class OptimizerTests
{
    private static readonly Lazy<JsonElement> Ref = new(() => TrainingFixtures.Load("optim_reference.json"));

    private static void Near(float[] expected, float[] actual, float tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Wsd_schedule_matches_optax_join_schedules()
    {
        foreach (var s in Ref.Value.GetProperty("schedules").EnumerateArray())
        {
            var sched = new WsdSchedule(s.GetProperty("peak").GetDouble(), s.GetProperty("total").GetInt32());
            var lrs = s.GetProperty("lrs").Doubles();
            for (int t = 0; t < lrs.Length; t++) Assert.Equal(lrs[t], sched.At(t), 12);
        }
        var five = new WsdSchedule(1.0, 5);
        Assert.Equal([0, 1, 1, 1, 1], Enumerable.Range(0, 5).Select(five.At));
        Assert.Equal(0.05, five.At(99), 12);
    }

    [Fact]
    public void Newton_schulz_matches_the_reference_in_both_orientations()
    {
        var ns = Ref.Value.GetProperty("newton_schulz");
        var g = ns.GetProperty("input").Floats();
        Near(ns.GetProperty("output").Floats(), NewtonSchulz.Orthogonalize(g, 5, 8), 2e-5f, "wide");
        var gt = new float[g.Length];
        for (int i = 0; i < 5; i++) for (int j = 0; j < 8; j++) gt[j * 5 + i] = g[i * 8 + j];
        Near(ns.GetProperty("output_t").Floats(), NewtonSchulz.Orthogonalize(gt, 8, 5), 2e-5f, "tall");
    }

    [Fact]
    public void Three_steps_of_clip_muon_and_adamw_match_the_reference()
    {
        var o = Ref.Value.GetProperty("optimizer");
        var ps = o.GetProperty("shapes").EnumerateObject().Select(kv => new TrainableParam(
            kv.Name, kv.Value.Ints(), o.GetProperty("init").GetProperty(kv.Name).Floats())).ToList();
        var opt = new NeedleOptimizer(o.GetProperty("total_steps").GetInt32());
        foreach (var step in o.GetProperty("steps").EnumerateArray())
        {
            foreach (var p in ps) step.GetProperty("grads").GetProperty(p.Path).Floats().CopyTo(p.Grad, 0);
            var info = opt.Step(ps);
            Assert.Equal(step.GetProperty("grad_norm").GetDouble(), info.GradNorm, 6);
            Assert.Equal(step.GetProperty("adam_lr").GetDouble(), info.AdamLearningRate, 12);
            Assert.Equal(step.GetProperty("muon_lr").GetDouble(), info.MuonLearningRate, 12);
            foreach (var p in ps) Near(step.GetProperty("params").GetProperty(p.Path).Floats(), p.Value, 2e-6f, p.Path);
        }
        Assert.Equal(3, opt.Adam.Count);
        Assert.Equal(3, opt.Muon.Count);
    }

    [Theory]
    [InlineData("encoder/layers/EncoderBlock_0/self_attn/q_proj/kernel", new[] { 12, 512, 512 }, ParamGroup.Muon)]
    [InlineData("contrastive_hidden/kernel", new[] { 512, 128 }, ParamGroup.Muon)]
    [InlineData("contrastive_proj/kernel", new[] { 128, 128 }, ParamGroup.Muon)]
    [InlineData("embedding/embedding", new[] { 8192, 512 }, ParamGroup.Adam)]
    [InlineData("contrastive_hidden/bias", new[] { 128 }, ParamGroup.Adam)]
    [InlineData("encoder/layers/EncoderBlock_0/attn_gate", new[] { 12 }, ParamGroup.Adam)]
    [InlineData("decoder/layers/DecoderBlock_0/self_attn/q_norm/scale", new[] { 8, 64 }, ParamGroup.Adam)]
    [InlineData("log_temp", new int[0], ParamGroup.Adam)]
    public void Parameter_groups_follow_the_kernel_rule(string path, int[] shape, ParamGroup group) =>
        Assert.Equal(group, TrainableParam.GroupOf(path, shape));

    [Fact]
    public void Fake_quant_matches_numpy_round_half_even_grouped_by_32_input_rows()
    {
        foreach (var c in Ref.Value.GetProperty("fake_quant").EnumerateArray())
        {
            var shape = c.GetProperty("shape").Ints();
            var w = c.GetProperty("input").Floats();
            Near(c.GetProperty("int4").Floats(), FakeQuant.Apply(w, shape, 4), 1e-6f, "int4");
            Near(c.GetProperty("int8").Floats(), FakeQuant.Apply(w, shape, 8), 1e-6f, "int8");
        }
        Assert.Throws<NotSupportedException>(() => FakeQuant.Apply(new float[4], [2, 2], 3));
        Assert.True(FakeQuant.IsQatStep(100));
        var emb = new float[] { 0.1f, 0.2f, 0.3f, 0.4f };
        Assert.Same(emb, FakeQuant.ApplyToLeaf("embedding/embedding", [2, 2], emb));
        Assert.NotSame(emb, FakeQuant.ApplyToLeaf("decoder/layers/DecoderBlock_0/self_attn/q_proj/kernel", [1, 2, 2], emb));
        Assert.False(FakeQuant.IsQatStep(0));
    }

    [Fact]
    public void Adam_simd_lanes_and_scalar_tail_compute_identical_values()
    {
        int n = System.Numerics.Vector<float>.Count * 3 + 5;   // vector body plus a scalar tail
        var p = new TrainableParam("embedding/embedding", [n], Enumerable.Repeat(0.3f, n).ToArray(), Enumerable.Repeat(-0.7f, n).ToArray());
        var adam = new AdamW(t => 1e-3 * (t + 1), weightDecay: 0.1f);
        for (int k = 0; k < 3; k++) adam.Step([p]);
        Assert.All(p.Value, x => Assert.Equal(BitConverter.SingleToInt32Bits(p.Value[^1]), BitConverter.SingleToInt32Bits(x)));
        Assert.NotEqual(0.3f, p.Value[0]);
    }

    [Fact]
    public void Grad_clip_leaves_small_gradients_alone()
    {
        var g = new[] { new[] { 0.3f, 0.4f } };
        Assert.Equal(0.5, GradClip.ClipByGlobalNorm(g), 6);
        Assert.Equal([0.3f, 0.4f], g[0]);
        var big = new[] { new[] { 3f }, new[] { 4f } };
        Assert.Equal(5.0, GradClip.ClipByGlobalNorm(big), 6);
        Assert.Equal(0.6f, big[0][0], 6);
        Assert.Equal(0.8f, big[1][0], 6);
    }

    [Fact]
    public void Kernel_gemm_agrees_with_the_naive_reference_and_newton_schulz_uses_either()
    {
        var rng = new Random(3);
        var a = Enumerable.Range(0, 37 * 53).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, 53 * 29).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var c1 = new float[37 * 29]; var c2 = new float[37 * 29];
        NaiveMatMul.Instance.MatMul(a, b, c1, 37, 53, 29);
        KernelMatMul.Instance.MatMul(a, b, c2, 37, 53, 29);
        Near(c1, c2, 1e-5f, "gemm");
        Near(NewtonSchulz.Orthogonalize(a, 37, 53, NaiveMatMul.Instance), NewtonSchulz.Orthogonalize(a, 37, 53, KernelMatMul.Instance), 1e-4f, "ns");
    }

    [Fact]
    public void Engine_newton_schulz_and_parallel_muon_match_the_generic_loop_bit_for_bit()
    {
        var rng = new Random(9);
        // A wrapper that is not KernelMatMul takes the generic loop (explicit transpose, three full products).
        var generic = new DelegatingGemm(KernelMatMul.Instance);
        foreach (var (rows, cols) in new[] { (70, 130), (130, 70), (64, 64) })
        {
            var g = Enumerable.Range(0, rows * cols).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
            var fast = NewtonSchulz.Orthogonalize(g, rows, cols);
            var slow = NewtonSchulz.Orthogonalize(g, rows, cols, generic);
            Assert.True(fast.AsSpan().SequenceEqual(slow), $"NS ({rows}, {cols}) differs");
        }
        TrainableParam[] Params(int seed)
        {
            var r = new Random(seed);
            float[] F(int n) => Enumerable.Range(0, n).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
            return [new("a/kernel", [3, 40, 24], F(2880), F(2880)), new("b/kernel", [24, 40], F(960), F(960))];
        }
        var p1 = Params(4);
        var p2 = Params(4);
        var parallel = new Muon(_ => 0.05);
        var sequential = new Muon(_ => 0.05, gemm: generic);
        for (var step = 0; step < 2; step++)
        {
            parallel.Step(p1);
            sequential.Step(p2);
        }
        for (var i = 0; i < p1.Length; i++) Assert.True(p1[i].Value.AsSpan().SequenceEqual(p2[i].Value), $"Muon {p1[i].Path} differs");
    }

    private sealed class DelegatingGemm(IMatMul inner) : IMatMul
    {
        public void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) => inner.MatMul(a, b, c, m, k, n);
    }

    [Fact]
    public void A_plugged_in_gemm_is_used_for_newton_schulz()
    {
        var counting = new CountingGemm();
        var p = new TrainableParam("x/kernel", [3, 4], new float[12], Enumerable.Range(1, 12).Select(i => (float)i).ToArray());
        new Muon(_ => 0.1, gemm: counting).Step([p]);
        Assert.Equal(15, counting.Calls);   // 3 GEMMs × 5 iterations
    }

    private sealed class CountingGemm : IMatMul
    {
        public int Calls;
        public void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
        {
            Calls++;
            NaiveMatMul.Instance.MatMul(a, b, c, m, k, n);
        }
    }
}
