using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class LossTests
{
    [Fact]
    public void Text_loss_and_its_gradient_match_torch_autograd()
    {
        var r = TrainingFixtures.Load("loss_reference.json").GetProperty("text");
        int v = r.GetProperty("vocab").GetInt32();
        var logits = r.GetProperty("logits").Floats();
        var targets = r.GetProperty("targets").Ints();
        var classes = r.GetProperty("classes").Ints().Select(c => (sbyte)c).ToArray();
        var seg = r.GetProperty("seg").Ints();
        var res = TextLoss.Compute(logits, targets, classes, seg, v);
        Assert.Equal(r.GetProperty("loss").GetDouble(), res.Loss, 9);
        Assert.Equal(r.GetProperty("ce").GetDouble(), res.CrossEntropy, 9);
        Assert.Equal(r.GetProperty("z").GetDouble(), res.ZLoss, 9);
        Assert.Equal(9, res.TokenCount);
        var expected = r.GetProperty("dlogits").Doubles();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - res.DLogits[i]) < 1e-6, $"dlogits[{i}]");
        // Padding rows still get a z-loss gradient (upstream averages z over every position).
        Assert.Contains(res.DLogits.AsSpan(5 * v, v).ToArray(), g => g != 0);

        var (sum, tokens) = TextLoss.ValidationSums(logits, targets, seg, v);
        Assert.Equal(r.GetProperty("val_loss_sum").GetDouble(), sum, 9);
        Assert.Equal(r.GetProperty("val_tokens").GetInt32(), tokens);
        Assert.Equal(1.0, TextLoss.Perplexity(0, 0));
        Assert.Equal(Math.Exp(20), TextLoss.Perplexity(1000, 1));
    }

    [Fact]
    public void Clip_loss_and_gradients_match_torch_including_the_clamped_temperature()
    {
        var r = TrainingFixtures.Load("loss_reference.json").GetProperty("clip");
        int b = r.GetProperty("batch").GetInt32(), d = r.GetProperty("dim").GetInt32();
        var q = r.GetProperty("q").Floats(); var t = r.GetProperty("t").Floats();
        foreach (var c in r.GetProperty("cases").EnumerateArray())
        {
            var res = ClipLoss.Compute(q, t, b, d, c.GetProperty("log_temp").GetDouble());
            Assert.Equal(c.GetProperty("loss").GetDouble(), res.Loss, 5);
            Assert.Equal(c.GetProperty("dlog_temp").GetDouble(), res.DLogTemp, 5);
            var dq = c.GetProperty("dq").Doubles(); var dt = c.GetProperty("dt").Doubles();
            for (int i = 0; i < dq.Length; i++) { Assert.Equal(dq[i], res.DQuery[i], 4); Assert.Equal(dt[i], res.DTool[i], 4); }
        }
        Assert.False(ClipLoss.IsContrastiveStep(0, true));
        Assert.True(ClipLoss.IsContrastiveStep(1000, true));
        Assert.False(ClipLoss.IsContrastiveStep(1000, false));
    }

    [Fact]
    public void Bad_shapes_and_targets_are_caller_errors()
    {
        Assert.Throws<ArgumentException>(() => TextLoss.Compute(new float[6], [0, 1], [0, 0], [1, 1], 4));
        Assert.Throws<ArgumentException>(() => TextLoss.Compute(new float[6], [0, 3], [0, 0], [1, 1], 3));
    }
}
