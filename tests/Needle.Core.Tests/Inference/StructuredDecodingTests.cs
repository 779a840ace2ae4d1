using System.Text.Json;
using Needle.Core.Inference;
using Needle.Core.Inference.Constrained;

namespace Needle.Core.Tests.Inference;

public sealed class StructuredDecodingTests
{
    private const string Tools = """
        [{"name":"set_timer","description":"Start a timer","parameters":{"minutes":{"type":"integer"},"label":{"type":"string"}}},
         {"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"location":{"type":"string"},"days":{"type":"array"}}}},
         {"name":"stop_all","description":"Stop everything","parameters":{}}]
        """;

    private static bool Accepts(string text, bool objectValues = false)
    {
        var g = new CallGrammar(new ToolSchemas(Tools), objectValues);
        return g.Feed(text);
    }

    private static bool Complete(string text)
    {
        var g = new CallGrammar(new ToolSchemas(Tools));
        return g.Feed(text) && g.IsComplete;
    }

    [Theory]
    [InlineData("[]")]
    [InlineData(" []")]
    [InlineData("""[{"name":"set_timer","arguments":{"minutes":25}}]""")]
    [InlineData("""[{"name":"set_timer","arguments":{"minutes":-2.5e+3,"label":"tea \"x\" \u00e9"}}]""")]
    [InlineData("""[{"name":"get_weather","arguments":{"location":"Paris","days":["mon",2,true,null,[]]}},{"name":"stop_all","arguments":{}}]""")]
    public void Well_formed_calls_over_the_listed_tools_are_complete(string text)
    {
        Assert.True(Complete(text), text);
        JsonDocument.Parse(text.Replace("<tool_call>", "")).Dispose(); // the fixtures themselves are valid JSON
    }

    [Theory]
    [InlineData("""[{"name":"set_alarm","arguments":{}}]""")]          // not a listed tool
    [InlineData("""[{"name":"set_timer","arguments":{"hours":1}}]""")]  // not one of its keys
    [InlineData("""[{"name":"set_timer","arguments":{"minutes":1,"minutes":2}}]""")] // a key twice
    [InlineData("""[{"name":"get_weather","arguments":{"properties":1}}]""")] // JSON Schema: keys are the properties
    [InlineData("""[{"name":"get_weather","arguments":{"location":"x","days":[],""")] // every key used: no dead-end key
    [InlineData("""[{"name":"set_timer","arguments":{"minutes":1,"min""")]   // only towards unused keys
    [InlineData("""[{"name":"set_timer":"x"}]""")]                      // the malformed shape upstream allows
    [InlineData("""[{"name":"stop_all","arguments":{"x":1}}]""")]       // no parameters: only {}
    [InlineData("""[{"name":"set_timer","arguments":{"minutes":01}}]""")]
    [InlineData("""[{"name":"set_timer","arguments":{"minutes":1.}}]""")]
    [InlineData("""[{"name":"set_timer","arguments":{"label":tea}}]""")]
    [InlineData("""[{"name":"get_weather","arguments":{"days":[1,]}}]""")]
    [InlineData("""[{"name":"set_timer","arguments":{"minutes":1}}] x""")]
    [InlineData("""{"name":"set_timer"}""")]
    public void Anything_else_is_refused(string text) => Assert.False(Accepts(text), text);

    [Fact]
    public void Object_values_only_when_allowed()
    {
        const string text = """[{"name":"set_timer","arguments":{"label":{"a":[1,{"b":"c"}],"d":{}}}}]""";
        Assert.False(Accepts(text));
        Assert.True(Accepts(text, objectValues: true));
        Assert.False(Accepts("""[{"name":"set_timer","arguments":{"label":{"a":1,}}}]""", objectValues: true));
    }

    [Fact]
    public void One_leading_tool_call_token_is_allowed()
    {
        var g = new CallGrammar(new ToolSchemas(Tools));
        Assert.True(g.Feed("<tool_call>") && g.Feed("[]") && g.IsComplete);
        var twice = new CallGrammar(new ToolSchemas(Tools));
        Assert.False(twice.Feed("<tool_call>") && twice.Feed("<tool_call>"));
    }

    [Fact]
    public void Prefixes_are_accepted_and_only_a_closed_list_is_complete()
    {
        Assert.True(Accepts("""[{"name":"set_ti"""));
        Assert.False(Complete("""[{"name":"set_timer","arguments":{"minutes":2}}"""));
    }

    [Fact]
    public void The_decoder_picks_the_best_allowed_token_and_ends_with_eos_after_the_list()
    {
        // Vocabulary: control ids 0..3 (empty strings), then pieces. The "model" prefers a malformed continuation.
        // Logit = index, so later pieces are preferred wherever the grammar allows them.
        string[] pieces = ["", "", "", "", "}}]", "[{\"name\":\"", "get_weather", "set_timer", "\",\"arguments\":{", ":", "\"minutes\"", "25", "\":\"x\"}]", "bogus"];
        var tokens = new TokenStrings(pieces);
        var decoder = new StructuredDecoder(tokens, new ToolSchemas(Tools));
        var logits = new float[pieces.Length];
        var scratch = new float[pieces.Length];
        var produced = new List<string>();
        // Each step the malformed pieces (12, 13) and EOS (1) score highest; the grammar must route around them.
        for (int step = 0; step < 10; step++)
        {
            for (int i = 0; i < logits.Length; i++) logits[i] = produced.Contains(pieces[i]) ? -1 : i; // each piece once
            logits[1] = 100; // EOS
            int id = decoder.Choose(logits, scratch);
            decoder.Update(id);
            if (id == 1) break;
            produced.Add(pieces[id]);
        }
        var text = string.Concat(produced);
        Assert.Equal("""[{"name":"set_timer","arguments":{"minutes":25}}]""", text);
        Assert.Equal(0, decoder.Fallbacks);
    }
}
