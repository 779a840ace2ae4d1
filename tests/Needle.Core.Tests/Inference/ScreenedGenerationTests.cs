using Needle.Core.Inference;
using Needle.Core.Model;

namespace Needle.Core.Tests.Inference;

/// <summary>
/// Greedy decoding with screened logits (the default for one row) gives the same ids as decoding with the full logits,
/// unconstrained, with upstream's constraint and with structured decoding, on the trained golden checkpoint.
/// </summary>
public sealed class ScreenedGenerationTests : IClassFixture<GenerationParityTests.Runtime>
{
    private readonly GenerationParityTests.Runtime _rt;

    public ScreenedGenerationTests(GenerationParityTests.Runtime rt)
    {
        _rt = rt;
        ((SimpleAttentionNetwork)rt.Needle.Model).ScreenLogitsAfter = 0; // screen from the first token (same outputs)
    }

    /// <summary>Passes everything through but keeps the default StartGreedyDecoder: full logits every step.</summary>
    private sealed class Unscreened(INeedleModel inner) : INeedleModel
    {
        public NeedleConfig Config => inner.Config;
        public IEncodedBatch Encode(IReadOnlyList<int[]> sources) => inner.Encode(sources);
        public IDecoderState StartDecoder(IEncodedBatch encoded) => inner.StartDecoder(encoded);
        public void DecodeStep(IDecoderState state, ReadOnlySpan<int> tokens, Span<float> logits) => inner.DecodeStep(state, tokens, logits);
        public float[] EncodeContrastive(int[] tokens) => inner.EncodeContrastive(tokens);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Screened_and_full_logits_choose_the_same_tokens(bool constrained, bool structured)
    {
        var model = (SimpleAttentionNetwork)_rt.Needle.Model;
        var screened = _rt.Needle.Generator;
        var full = new Generator(new Unscreened(model), _rt.Needle.Tokenizer);
        var options = new GenerationOptions { Constrained = constrained, Structured = structured, MaxGenLen = 48 };
        foreach (var c in _rt.Golden.GetProperty("cases").EnumerateArray())
        {
            var (query, tools) = (c.GetProperty("query").GetString()!, c.GetProperty("tools").GetString()!);
            var a = screened.GenerateDetailed(query, tools, options);
            var b = full.GenerateDetailed(query, tools, options);
            Assert.Equal(b.GeneratedIds, a.GeneratedIds);
            Assert.Equal(b.Text, a.Text);
        }
    }

    [Fact]
    public void A_trained_model_computes_few_logit_rows_exactly()
    {
        var model = (SimpleAttentionNetwork)_rt.Needle.Model;
        var c = _rt.Golden.GetProperty("cases")[0];
        var source = EncoderInput.Build(_rt.Needle.Tokenizer, c.GetProperty("query").GetString()!, c.GetProperty("tools").GetString()!, 1024);
        using var encoded = model.Encode([source]);
        using var state = (DecoderState)model.StartGreedyDecoder(encoded);
        var logits = new float[model.Config.VocabSize];
        var token = EncoderInput.EosId;
        for (var i = 0; i < 12; i++)
        {
            model.DecodeStep(state, [token], logits);
            token = Greedy.ArgMax(logits);
        }
        Assert.Equal(12, state.ScreenedSteps);
        Assert.True(state.ExactRows < 12 * model.Config.VocabSize / 4, $"{state.ExactRows / 12.0:0.#} exact rows per step of {model.Config.VocabSize}");
    }
}
