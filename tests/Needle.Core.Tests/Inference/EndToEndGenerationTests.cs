using Needle.Core.Inference;
using Needle.Core.Inference.Constrained;
using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Inference;

/// <summary>The real path: a pickled checkpoint and a SentencePiece model on disk → NeedleRuntime → generation.</summary>
public sealed class EndToEndGenerationTests : IDisposable
{
    private const string Tools = """[{"name":"getWeather","description":"Current weather","parameters":{"city":{"type":"string","description":"City","required":true}}},{"name":"sendEmail","parameters":{"to":{"type":"string"}}}]""";
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-e2e-").FullName;
    private readonly NeedleRuntime _runtime;

    public EndToEndGenerationTests()
    {
        var ckpt = TinyCheckpoint.Write(_dir, seed: 3, TinyCheckpoint.TokenizerFixture(AppContext.BaseDirectory));
        _runtime = NeedleRuntime.Load(ckpt);
    }

    public void Dispose()
    {
        _runtime.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Load_finds_the_tokenizer_beside_the_checkpoint_and_reads_the_config()
    {
        Assert.Equal(Path.Combine(_dir, "needle.model"), _runtime.TokenizerPath);
        Assert.Equal(TinyCheckpoint.Config, _runtime.Config);
        Assert.Equal(600, _runtime.Tokenizer.VocabSize);
    }

    [Fact]
    public void Generated_text_is_the_decode_of_the_generated_ids_with_the_upstream_post_processing()
    {
        var options = new GenerationOptions { MaxGenLen = 40, Constrained = false };
        var r = _runtime.Generator.GenerateDetailed("What is the weather in Paris?", Tools, options);
        Assert.InRange(r.GeneratedTokens, 1, 39);
        var (_, map) = ToolNames.Normalize(Tools);
        var decoded = _runtime.Tokenizer.Decode(r.GeneratedIds.ToArray());
        Assert.Equal(ToolNames.Restore(decoded.StartsWith("<tool_call>", StringComparison.Ordinal) ? decoded[11..] : decoded, map), r.Text);
        Assert.Equal(EncoderInput.Build(_runtime.Tokenizer, "What is the weather in Paris?", ToolNames.Normalize(Tools).ToolsJson).Length, r.PromptTokens);
    }

    [Fact]
    public void Batch_generation_equals_one_by_one_generation()
    {
        var options = new GenerationOptions { MaxGenLen = 24 };
        string[] queries = ["What is the weather in Paris?", "mail bob", "set a timer for ten minutes please, it is for the tea"];
        string[] tools = [Tools, Tools, "[]"];
        var batch = _runtime.Generator.GenerateBatch(queries, tools, options);
        for (int i = 0; i < queries.Length; i++)
            Assert.Equal(_runtime.Generator.Generate(queries[i], tools[i], options), batch[i]);
    }

    [Fact]
    public void Streaming_yields_the_same_result_as_generate()
    {
        var options = new GenerationOptions { MaxGenLen = 24 };
        var items = _runtime.Generator.Stream("weather in Paris", Tools, options).ToList();
        Assert.Equal(_runtime.Generator.Generate("weather in Paris", Tools, options), items[^1].Final!.Text);
        Assert.Equal(items.Count - 1, items[^1].Final!.GeneratedTokens);
    }

    [Fact]
    public void Sentencepiece_piece_texts_agree_with_the_piece_spelling_rule()
    {
        var tok = (SentencePieceTokenizer)_runtime.Tokenizer;
        var fromTypes = TokenStrings.FromTokenizer(tok);
        for (int id = 0; id < tok.VocabSize; id++)
            Assert.Equal(fromTypes[id], id < 4 ? "" : TokenStrings.PieceText(tok.IdToPiece(id)));
    }

    [Fact]
    public void Retrieval_ranks_every_tool_with_unit_embeddings()
    {
        var ranked = _runtime.Retriever.Retrieve("weather in Paris", Tools, topK: 5);
        Assert.Equal(2, ranked.Count);
        Assert.Equal([0, 1], ranked.Select(r => r.Index).Order());
        Assert.True(ranked[0].Score >= ranked[1].Score);
        var e = _runtime.Retriever.Embed("weather");
        Assert.Equal(16, e.Length);
        Assert.Equal(1.0, Math.Sqrt(e.Sum(x => (double)x * x)), 3);
    }
}
