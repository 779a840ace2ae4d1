using Needle.Core.Checkpoints;
using Needle.Core.Kernels;
using Needle.Core.Model;
using static Needle.Core.Tests.Model.ModelTestUtil;

namespace Needle.Core.Tests.Model;

public class SimpleAttentionNetworkTests
{
    [Fact]
    public void Forward_matches_the_naive_spec_reference()
    {
        var weights = Weights(Tiny);
        var model = new SimpleAttentionNetwork(weights, WeightPrecision.Float32);
        var naive = new NaiveNeedle(weights);
        var rng = new Random(2);
        var src = Tokens(rng, 9, Tiny.VocabSize);
        src[7] = 0; // a PAD inside the source is masked like any PAD
        var tgt = Tokens(rng, 6, Tiny.VocabSize);
        var logits = model.Forward([src], [tgt]);
        Assert.Equal([1, 6, Tiny.VocabSize], logits.Shape);
        var expected = naive.Logits(src, tgt).SelectMany(r => r);
        Assert.True(RelErr(logits.Data, expected) < 1e-4, $"relative error {RelErr(logits.Data, expected)}");
    }

    [Fact]
    public void Cached_step_decoding_equals_the_full_forward()
    {
        var model = new SimpleAttentionNetwork(Weights(Tiny, 3), WeightPrecision.Float32);
        var rng = new Random(4);
        int[][] src = [Tokens(rng, 7, Tiny.VocabSize), Tokens(rng, 4, Tiny.VocabSize)];
        int[][] tgt = [Tokens(rng, 20, Tiny.VocabSize), Tokens(rng, 20, Tiny.VocabSize)]; // > 16: the cache grows
        var full = model.Forward(src, tgt);
        using var enc = model.Encode(src);
        using var state = model.StartDecoder(enc);
        var v = Tiny.VocabSize;
        var step = new float[2 * v];
        for (var t = 0; t < 20; t++)
        {
            model.DecodeStep(state, [tgt[0][t], tgt[1][t]], step);
            Assert.Equal(t + 1, state.Length);
            for (var b = 0; b < 2; b++)
            {
                var expected = full.Data.AsSpan((b * 20 + t) * v, v).ToArray().Select(x => (double)x);
                var err = RelErr(step.AsSpan(b * v, v), expected);
                Assert.True(err < 1e-4, $"row {b} step {t}: relative error {err}");
            }
        }
    }

    [Fact]
    public void Float16_decode_weights_are_exact_for_half_valued_checkpoints()
    {
        // Checkpoints store float16, so half-precision decode weights lose nothing: compare with the float32 path.
        var weights = Weights(Tiny, 5, roundToHalf: true);
        var f16 = new SimpleAttentionNetwork(weights, WeightPrecision.Float16);
        var f32 = new SimpleAttentionNetwork(weights, WeightPrecision.Float32);
        Assert.Equal(WeightPrecision.Float16, f16.DecodePrecision);
        var rng = new Random(6);
        int[][] src = [Tokens(rng, 5, Tiny.VocabSize)];
        var a = new float[Tiny.VocabSize];
        var b = new float[Tiny.VocabSize];
        using var s16 = f16.StartDecoder(f16.Encode(src));
        using var s32 = f32.StartDecoder(f32.Encode(src));
        foreach (var tok in new[] { 1, 5, 9, 30 })
        {
            f16.DecodeStep(s16, [tok], a);
            f32.DecodeStep(s32, [tok], b);
            Assert.True(RelErr(a, b.Select(x => (double)x)) < 1e-5);
        }
    }

    [Fact]
    public void Padding_a_batch_row_does_not_change_its_outputs()
    {
        var model = new SimpleAttentionNetwork(Weights(Tiny, 7), WeightPrecision.Float32);
        var rng = new Random(8);
        var shortSrc = Tokens(rng, 3, Tiny.VocabSize);
        var longSrc = Tokens(rng, 11, Tiny.VocabSize);
        var tgt = Tokens(rng, 4, Tiny.VocabSize);
        var alone = model.Forward([shortSrc], [tgt]);
        var batched = model.Forward([longSrc, shortSrc], [tgt, tgt]); // shortSrc padded to 11
        var rowLen = 4 * Tiny.VocabSize;
        var err = RelErr(batched.Data.AsSpan(rowLen, rowLen), alone.Data.Select(x => (double)x));
        Assert.True(err < 1e-5, $"relative error {err}");
        var e1 = model.EncodeContrastive(shortSrc);
        var e2 = model.EncodeContrastive([longSrc, shortSrc])[1];
        Assert.True(RelErr(e2, e1.Select(x => (double)x)) < 1e-5);
    }

    [Fact]
    public void Contrastive_embedding_is_unit_norm_and_matches_the_reference()
    {
        var weights = Weights(Tiny, 9);
        var model = new SimpleAttentionNetwork(weights);
        var src = Tokens(new Random(10), 6, Tiny.VocabSize);
        var e = model.EncodeContrastive(src);
        Assert.Equal(Tiny.ContrastiveDim, e.Length);
        Assert.InRange(Math.Sqrt(e.Sum(x => (double)x * x)), 0.99999, 1.00001);
        Assert.True(RelErr(e, new NaiveNeedle(weights).Contrastive(src)) < 1e-4);
    }

    [Fact]
    public void Fully_padded_source_gives_uniform_cross_attention_not_nan()
    {
        var model = new SimpleAttentionNetwork(Weights(Tiny, 11));
        var logits = model.Forward([[0, 0, 0]], [[1, 2]]);
        Assert.All(logits.Data, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Upstream_init_gives_uniform_ish_logits_and_26M_has_the_documented_parameter_count()
    {
        var count = NeedleWeights.Layout(NeedleConfig.Needle26M).Sum(p => p.Shape.Aggregate(1L, (a, d) => a * d));
        Assert.Equal(26_315_421, count);
        Assert.Equal(31, NeedleWeights.Layout(NeedleConfig.Needle26M).Count);
        var w = NeedleWeights.RandomInit(Tiny, 1);
        Assert.All(w[NeedleWeights.DecoderBlock + "self_attn_gate"].Data, g => Assert.Equal(0f, g));
        var std = Math.Sqrt(w[NeedleWeights.Embedding].Data.Average(x => (double)x * x));
        Assert.InRange(std, 0.017, 0.023);
    }

    [Fact]
    public void FromDictionary_names_every_missing_or_misshapen_parameter()
    {
        var good = Weights(Tiny).ToDictionary();
        good.Remove(NeedleWeights.LogTemp);
        good[NeedleWeights.EncoderFinalNorm] = new NdArray([31], new float[31]);
        var ex = Assert.Throws<InvalidDataException>(() => NeedleWeights.FromDictionary(good, Tiny, "x.pkl"));
        Assert.Contains("x.pkl", ex.Message);
        Assert.Contains("missing 'log_temp'", ex.Message);
        Assert.Contains("'encoder/final_norm/scale' has shape (31,) but the config needs (32,)", ex.Message);
    }

    [Fact]
    public void Rejects_foreign_states_and_bad_arguments()
    {
        var a = new SimpleAttentionNetwork(Weights(Tiny, 1));
        var b = new SimpleAttentionNetwork(Weights(Tiny, 2));
        using var enc = a.Encode([[1, 2]]);
        Assert.Throws<ArgumentException>(() => b.StartDecoder(enc));
        using var state = a.StartDecoder(enc);
        Assert.Throws<ArgumentException>(() => a.DecodeStep(state, [1, 2], new float[2 * Tiny.VocabSize]));
        Assert.Throws<ArgumentException>(() => a.DecodeStep(state, [99], new float[Tiny.VocabSize]));
        Assert.Throws<ArgumentException>(() => a.Encode([]));
    }
}
