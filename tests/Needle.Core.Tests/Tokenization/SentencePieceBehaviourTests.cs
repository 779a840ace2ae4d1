using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Tokenization;

/// <summary>API details around the golden behaviour: special ids, piece texts, .NET-only inputs, the span overload.</summary>
public sealed class SentencePieceBehaviourTests
{
    private static SentencePieceTokenizer Needle => TokenizerFixtures.Load("needle-like-8192");

    [Fact]
    public void Needle_like_model_has_needles_special_ids_and_flags()
    {
        var t = Needle;
        Assert.Equal((0, 1, 2, 3), (t.PadId, t.EosId, t.BosId, t.UnkId));
        Assert.Equal((4, 5), (t.PieceToId("<tool_call>"), t.PieceToId("<tools>")));
        Assert.Equal(PieceType.UserDefined, t.GetPieceType(4));
        Assert.Equal(SentencePieceModelType.Bpe, t.ModelType);
        Assert.True(t.ByteFallback);
        Assert.Equal("identity", t.NormalizerName);
        // Identity normalization still removes extra whitespace: the flags are separate (verified by the goldens).
        Assert.True(t.AddDummyPrefix && t.RemoveExtraWhitespaces && t.EscapeWhitespaces);
    }

    [Fact]
    public void Piece_text_follows_the_constrained_decoding_rules()
    {
        var t = Needle;
        for (var id = 0; id < t.VocabSize; id++)
        {
            var expected = t.GetPieceType(id) switch
            {
                PieceType.Control or PieceType.Unknown => "",
                PieceType.Byte => ((char)Convert.ToInt32(t.IdToPiece(id)[3..5], 16)).ToString(),
                _ => t.IdToPiece(id).Replace('▁', ' '),
            };
            Assert.Equal(expected, t.PieceText(id));
        }
        Assert.Equal("<tool_call>", t.PieceText(4));
        Assert.Equal("\n", t.PieceText(t.PieceToId("<0x0A>")));
        Assert.Equal("\u00C3", t.PieceText(t.PieceToId("<0xC3>")));
    }

    [Fact]
    public void Lone_surrogates_encode_as_the_replacement_character()
    {
        var t = Needle;
        Assert.Equal(t.Encode("a\uFFFDb"), t.Encode("a\uD800b"));
        Assert.Equal(t.Encode("\uFFFD"), t.Encode("\uDC00"));
    }

    [Fact]
    public void Span_overload_appends_the_same_ids()
    {
        var t = Needle;
        var output = new List<int> { 42 };
        t.Encode("What's the weather in Paris?".AsSpan(), output);
        Assert.Equal([42, .. t.Encode("What's the weather in Paris?")], output);
    }

    [Fact]
    public void Encoding_is_thread_safe()
    {
        var t = Needle;
        var texts = TokenizerFixtures.Texts;
        var expected = texts.Select(t.Encode).ToArray();
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => Assert.Equal(expected[i], t.Encode(texts[i])));
    }
}
