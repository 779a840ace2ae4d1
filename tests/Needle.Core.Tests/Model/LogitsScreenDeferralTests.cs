using Needle.Core.Inference;
using Needle.Core.Model;
using static Needle.Core.Tests.Model.ModelTestUtil;

namespace Needle.Core.Tests.Model;

/// <summary>The logits screen is built only once a model has decoded ScreenLogitsAfter greedy tokens.</summary>
public class LogitsScreenDeferralTests
{
    [Fact]
    public void Greedy_decoders_screen_only_after_the_threshold_and_plain_decoders_never()
    {
        var model = new SimpleAttentionNetwork(Weights(Tiny, 3, roundToHalf: true)) { ScreenLogitsAfter = 40 };
        var rng = new Random(4);
        using var enc = model.Encode([Tokens(rng, 7, Tiny.VocabSize)]);
        var logits = new float[Tiny.VocabSize];
        (long Steps, long Rows) Run(IDecoderState state, int steps)
        {
            for (var i = 0; i < steps; i++) model.DecodeStep(state, [i % Tiny.VocabSize], logits);
            return state is IScreenedLogits s ? s.ScreenStats : (0, 0);
        }

        using (var plain = model.StartDecoder(enc)) Run(plain, 50);          // plain decoders do not count
        using (var first = model.StartGreedyDecoder(enc)) Assert.Equal(0, Run(first, 40).Steps);
        using (var later = model.StartGreedyDecoder(enc)) Assert.Equal(5, Run(later, 5).Steps);
    }
}
