using Needle.Core.Checkpoints;
using Needle.Core.Kernels;
using Needle.Core.Model;
using static Needle.Core.Tests.Model.ModelTestUtil;

namespace Needle.Core.Tests.Model;

/// <summary>The model built from a real pickled checkpoint (the pickle fixture from tools/reference/pickle_interop.py).</summary>
public class CheckpointModelTests
{
    private static CheckpointData Tiny() =>
        CheckpointFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Pickle", "tiny_p4.pkl"));

    [Fact]
    public void Model_from_a_pickled_checkpoint_matches_the_reference_and_decodes_exactly_in_float16()
    {
        var data = Tiny();
        var model = SimpleAttentionNetwork.FromCheckpoint(data, "tiny_p4.pkl");
        Assert.Equal(WeightPrecision.Float16, model.DecodePrecision);
        var config = model.Config;
        var naive = new NaiveNeedle(NeedleWeights.FromDictionary(data.Params, config));
        var rng = new Random(21);
        var src = Tokens(rng, 5, config.VocabSize);
        var tgt = Tokens(rng, 4, config.VocabSize);
        var full = model.Forward([src], [tgt]);
        Assert.True(RelErr(full.Data, naive.Logits(src, tgt).SelectMany(r => r)) < 1e-4);

        using var enc = model.Encode([src]);
        using var state = model.StartDecoder(enc);
        var logits = new float[config.VocabSize];
        for (var t = 0; t < tgt.Length; t++)
        {
            model.DecodeStep(state, [tgt[t]], logits);
            var expected = full.Data.AsSpan(t * config.VocabSize, config.VocabSize).ToArray().Select(x => (double)x);
            Assert.True(RelErr(logits, expected) < 1e-4, $"step {t}");
        }
    }

    [Fact]
    public void A_checkpoint_whose_config_disagrees_with_its_params_is_rejected_by_name()
    {
        var data = Tiny();
        var config = new Dictionary<string, object?>(data.Config) { ["d_model"] = 32L };
        var bad = new CheckpointData { Params = data.Params, Config = config };
        var ex = Assert.Throws<InvalidDataException>(() => SimpleAttentionNetwork.FromCheckpoint(bad, "bad.pkl"));
        Assert.Contains("bad.pkl", ex.Message);
        Assert.Contains("'embedding/embedding' has shape (32, 16) but the config needs (32, 32)", ex.Message);
    }
}
