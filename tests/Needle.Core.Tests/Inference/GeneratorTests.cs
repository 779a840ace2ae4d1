using Needle.Core.Inference;

namespace Needle.Core.Tests.Inference;

public sealed class GeneratorTests
{
    private const string Tools = """[{"name": "getWeather", "description": "Weather now", "parameters": {"city": {"type": "string", "description": "City", "required": true}}}]""";

    internal static readonly FakeTokenizer Tok = new([
        "\u2581[{\"", "name", "\":\"", "get", "got", "_weather", "_time", "\",\"", "arguments", "\":{\"", "city", "country",
        "Paris", "\"}}]", "\u2581[]", "\u2581What", "\u2581is", "\u2581the", "\u2581weather", "\u2581in", "\u2581Paris", "?",
    ]);

    private static int[] P(params string[] pieces) => pieces.Select(Tok.Id).ToArray();

    /// <summary>Each step prefers an off-tool spelling first (got, _time, country) and the valid one second.</summary>
    private static IReadOnlyList<int>[] WeatherScript() =>
    [
        P("<tool_call>"), P("\u2581[{\""), P("name"), P("\":\""), P("got", "get"), P("_time", "_weather"), P("\",\""),
        P("arguments"), P("\":{\""), P("country", "city"), P("\":\""), P("Paris"), P("\"}}]"), [1],
    ];

    [Fact]
    public void Constrained_decoding_keeps_names_and_keys_on_the_tools_and_restores_the_original_name()
    {
        var model = new ScriptedModel(Tok.VocabSize, WeatherScript());
        var text = new Generator(model, Tok).Generate("What is the weather in Paris?", Tools);
        Assert.Equal("""[{"name":"getWeather","arguments":{"city":"Paris"}}]""", text);
    }

    [Fact]
    public void Unconstrained_decoding_follows_the_model()
    {
        var model = new ScriptedModel(Tok.VocabSize, WeatherScript());
        var text = new Generator(model, Tok).Generate("What is the weather in Paris?", Tools, new GenerationOptions { Constrained = false });
        Assert.Equal("""[{"name":"got_time","arguments":{"country":"Paris"}}]""", text);
    }

    [Fact]
    public void Decoder_starts_from_eos_and_is_fed_each_chosen_token()
    {
        var model = new ScriptedModel(Tok.VocabSize, WeatherScript());
        var result = new Generator(model, Tok).GenerateDetailed("What is the weather in Paris?", Tools);
        Assert.Equal(1, model.Fed[0].Single());
        Assert.Equal(result.GeneratedIds, model.Fed.Skip(1).Select(f => f.Single()));
        Assert.Equal(13, result.GeneratedTokens);
        Assert.Equal(14, result.DecodeSteps);
        Assert.Equal(Tok.Id("<tool_call>"), result.GeneratedIds[0]);
    }

    [Fact]
    public void Encoder_input_is_query_then_tools_token_then_snake_cased_compact_tools()
    {
        var model = new ScriptedModel(Tok.VocabSize, WeatherScript());
        var result = new Generator(model, Tok).GenerateDetailed("What is the weather in Paris?", Tools);
        var expected = Tok.Encode("What is the weather in Paris?").Append(5)
            .Concat(Tok.Encode("""[{"name":"get_weather","description":"Weather now","parameters":{"city":{"type":"string","description":"City","required":true}}}]"""));
        Assert.Equal(expected, model.Encoded.Single());
        Assert.Equal(model.Encoded.Single().Length, result.PromptTokens);
    }

    [Fact]
    public void Without_tools_the_leading_space_is_kept_as_upstream_returns_it()
    {
        var model = new ScriptedModel(Tok.VocabSize, [P("<tool_call>"), P("\u2581[]"), [1]]);
        Assert.Equal(" []", new Generator(model, Tok).Generate("hi", "[]"));
    }

    [Fact]
    public void Generation_stops_at_max_gen_len_minus_one_tokens()
    {
        var loop = Enumerable.Repeat<IReadOnlyList<int>>(P("Paris"), 50).ToArray();
        var model = new ScriptedModel(Tok.VocabSize, loop);
        var result = new Generator(model, Tok).GenerateDetailed("q", "[]", new GenerationOptions { MaxGenLen = 5, Constrained = false });
        Assert.Equal(4, result.GeneratedTokens);
        Assert.Equal("ParisParisParisParis", result.Text);
    }

    [Fact]
    public void Eos_cannot_close_an_open_name_span()
    {
        // From "name":" on the model wants to stop; EOS renders as "" and is never valid inside a span, so the
        // name is finished with the best valid pieces (here byte pieces, the lowest ids among equal logits).
        var script = new IReadOnlyList<int>[] { P("<tool_call>"), P("\u2581[{\""), P("name"), P("\":\""), [1, Tok.Id("get")] };
        var model = new ScriptedModel(Tok.VocabSize, script);
        var text = new Generator(model, Tok).Generate("q", Tools);
        Assert.Equal(" [{\"name\":\"getWeather\"", text); // not JSON, so the name is restored by text replacement
    }

    [Fact]
    public void Batch_matches_single_generation_row_by_row()
    {
        var other = new IReadOnlyList<int>[] { P("<tool_call>"), P("\u2581[]"), [1] };
        var model = new ScriptedModel(Tok.VocabSize, WeatherScript(), other);
        var texts = new Generator(model, Tok).GenerateBatch(["What is the weather in Paris?", "hi"], [Tools, "[]"]);
        Assert.Equal(["""[{"name":"getWeather","arguments":{"city":"Paris"}}]""", " []"], texts);
        Assert.Equal(2, model.Encoded.Count);
        Assert.All(model.Fed, f => Assert.Equal(2, f.Length));
        Assert.Equal(14, model.Fed.Count);
    }

    [Fact]
    public void Streamed_deltas_rebuild_the_raw_text_and_the_last_item_is_the_result()
    {
        var model = new ScriptedModel(Tok.VocabSize, WeatherScript());
        var items = new Generator(model, Tok).Stream("What is the weather in Paris?", Tools).ToList();
        var final = items[^1].Final!;
        Assert.True(items.Take(items.Count - 1).All(i => !i.IsFinal));
        Assert.Equal(Tok.Decode(final.GeneratedIds.ToArray()), string.Concat(items.Select(i => i.TextDelta)));
        Assert.Equal("""[{"name":"getWeather","arguments":{"city":"Paris"}}]""", final.Text);
    }

    [Fact]
    public void Bad_options_and_mismatched_batches_are_caller_errors()
    {
        var gen = new Generator(new ScriptedModel(Tok.VocabSize, WeatherScript()), Tok);
        Assert.Throws<ArgumentException>(() => gen.Generate("q", "[]", new GenerationOptions { MaxGenLen = 0 }));
        Assert.Throws<ArgumentException>(() => gen.GenerateBatch(["a", "b"], ["[]"]));
    }
}

public sealed class GeneratorAsyncTests
{
    private static readonly FakeTokenizer Tok = GeneratorTests.Tok;

    [Fact]
    public async Task Async_stream_yields_the_same_items_as_the_sync_stream()
    {
        int[] P(params string[] p) => p.Select(Tok.Id).ToArray();
        IReadOnlyList<int>[] script = [P("<tool_call>"), P("\u2581[]"), [1]];
        var sync = new Generator(new ScriptedModel(Tok.VocabSize, script), Tok).Stream("q", "[]").ToList();
        var items = new List<GeneratedToken>();
        await foreach (var t in new Generator(new ScriptedModel(Tok.VocabSize, script), Tok).StreamAsync("q", "[]"))
            items.Add(t);
        Assert.Equal(sync.Select(s => (s.TokenId, s.TextDelta)), items.Select(s => (s.TokenId, s.TextDelta)));
        Assert.Equal(" []", items[^1].Final!.Text);
    }

    [Fact]
    public async Task Cancelling_stops_the_async_stream()
    {
        var loop = Enumerable.Repeat<IReadOnlyList<int>>([Tok.Id("Paris")], 600).ToArray();
        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in new Generator(new ScriptedModel(Tok.VocabSize, loop), Tok).StreamAsync("q", "[]", null, cts.Token))
                if (++seen == 3) cts.Cancel();
        });
        Assert.Equal(3, seen);
    }
}
