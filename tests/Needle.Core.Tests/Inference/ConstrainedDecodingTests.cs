using Needle.Core.Inference;
using Needle.Core.Inference.Constrained;

namespace Needle.Core.Tests.Inference;

public sealed class ConstrainedDecodingTests
{
    private static List<(string Prefix, SpanState State, string Function)> Trace(string text)
    {
        var t = new JsonSpanTracker();
        var states = new List<(string, SpanState, string)>();
        for (int i = 0; i < text.Length; i++)
        {
            t.Feed(text[i].ToString());
            states.Add((text[..(i + 1)], t.State, t.CurrentFunction));
        }
        return states;
    }

    private static SpanState StateAfter(string text)
    {
        var t = new JsonSpanTracker();
        t.Feed(text);
        return t.State;
    }

    [Fact]
    public void Names_and_argument_keys_open_spans_and_values_do_not()
    {
        var text = """ [{"name":"get_weather","arguments":{"city":"Paris","n":{"name":"x"},"k":1}}]""";
        var spans = Trace(text).Where(s => s.State != SpanState.Free).Select(s => (s.State, s.Prefix[^1])).ToList();
        var names = new string(spans.Where(s => s.State == SpanState.InName).Select(s => s.Item2).ToArray());
        var keys = new string(spans.Where(s => s.State == SpanState.InArgKey).Select(s => s.Item2).ToArray());
        Assert.Equal("\"get_weather", names);          // the span opens on the '"' after "name":
        Assert.Equal("\"city\"n\"k", keys);             // nested {"name":..} inside a value is deeper: no span
    }

    [Fact]
    public void The_closed_name_becomes_the_current_function()
    {
        var t = new JsonSpanTracker();
        t.Feed("""[{"name":"send_email","arguments":{""");
        Assert.Equal("send_email", t.CurrentFunction);
        t.Feed("\"to");
        Assert.Equal(SpanState.InArgKey, t.State);
        Assert.Equal("to", t.SpanText);
    }

    [Fact]
    public void Quotes_and_braces_inside_string_values_are_ignored()
    {
        Assert.Equal(SpanState.Free, StateAfter("""[{"name":"a","arguments":{"q":"x\",\"y"""));
        Assert.Equal(SpanState.InArgKey, StateAfter("""[{"name":"a","arguments":{"q":"}\\","""+"\""));
    }

    [Fact]
    public void Strings_inside_arrays_are_not_tracked_like_upstream()
    {
        // The '"' after '[' is not a value quote, so a '{' inside the array string counts as depth (§10 #14).
        Assert.Equal(SpanState.Free, StateAfter("""[{"name":"a","arguments":{"l":["{",""" + "\""));
        Assert.Equal(SpanState.InArgKey, StateAfter("""[{"name":"a","arguments":{"l":["x"],""" + "\""));
    }

    [Fact]
    public void Token_validity_walks_the_trie_and_checks_terminal_on_quote()
    {
        var trie = new Trie();
        trie.Insert("get_weather");
        trie.Insert("get");
        Assert.True(ConstrainedDecoder.IsValidContinuation("get", trie.Root));
        Assert.True(ConstrainedDecoder.IsValidContinuation("get\",\"", trie.Root));   // terminal, rest unchecked
        Assert.True(ConstrainedDecoder.IsValidContinuation("get_w", trie.Root));
        Assert.False(ConstrainedDecoder.IsValidContinuation("get_\"", trie.Root));    // not terminal
        Assert.False(ConstrainedDecoder.IsValidContinuation(" get", trie.Root));
        Assert.False(ConstrainedDecoder.IsValidContinuation("got", trie.Root));
    }

    [Fact]
    public void Parameter_trie_holds_object_valued_parameter_keys_only()
    {
        var c = new ToolConstraints("""[{"name":"f","parameters":{"type":"object","properties":{"a":{}},"required":["a"]}},{"name":"g","parameters":{"x":{"type":"string"},"y":"str"}},{"name":"h"},{"name":"k","parameters":"none"}]""");
        Assert.NotNull(c.ParamTrie("f")!.Find("properties"));
        Assert.Null(c.ParamTrie("f")!.Find("a"));
        Assert.True(c.ParamTrie("g")!.Find("x")!.IsTerminal);
        Assert.Null(c.ParamTrie("g")!.Find("y"));
        Assert.Empty(c.ParamTrie("h")!.Root.Children);
        Assert.Null(c.ParamTrie("k"));
        Assert.True(c.NameTrie.Find("h")!.IsTerminal);
    }

    [Fact]
    public void Invalid_tools_json_constrains_nothing()
    {
        Assert.Empty(new ToolConstraints("not json").NameTrie.Root.Children);
        Assert.Empty(new ToolConstraints("""{"name":"x"}""").NameTrie.Root.Children);
    }

    [Fact]
    public void Token_strings_map_specials_bytes_and_spaces()
    {
        var tok = GeneratorTests.Tok;
        var ts = TokenStrings.FromTokenizer(tok);
        Assert.Equal("", ts[0]);
        Assert.Equal("", ts[1]);
        Assert.Equal("", ts[3]);
        Assert.Equal("<tool_call>", ts[4]);
        Assert.Equal("\u00e9", ts[tok.Id("<0xE9>")]);  // a byte is one Latin-1 char, not UTF-8
        Assert.Equal(" [{\"", ts[tok.Id("\u2581[{\"")]);
        Assert.Contains(tok.Id("get"), ts.StartingWith('g').ToArray());
        Assert.DoesNotContain(1, ts.StartingWith('g').ToArray());
    }

    [Fact]
    public void Off_trie_spans_and_spans_without_valid_tokens_fall_back_to_plain_argmax()
    {
        var tok = GeneratorTests.Tok;
        var dec = new ConstrainedDecoder(TokenStrings.FromTokenizer(tok), new ToolConstraints("""[{"name":"zzz_only"}]"""));
        dec.Update(tok.Id("\u2581[{\""));
        dec.Update(tok.Id("name"));
        dec.Update(tok.Id("\":\""));
        Assert.Equal(SpanState.InName, dec.State);
        var logits = new float[tok.VocabSize];
        logits[tok.Id("got")] = 5;
        var scratch = new float[tok.VocabSize];
        Assert.Equal(tok.Id("<0x7A>"), dec.Choose(logits, scratch)); // only the 'z' byte piece is valid
        dec.Update(tok.Id("got"));                                    // forced off the trie
        Assert.Equal(tok.Id("got"), dec.Choose(logits, scratch));
        Assert.Equal(1, dec.Fallbacks);
    }

    [Fact]
    public void Argmax_takes_the_first_maximum_and_nan_like_numpy()
    {
        Assert.Equal(1, Greedy.ArgMax([0f, 2f, 2f]));
        Assert.Equal(2, Greedy.ArgMax([0f, 1f, float.NaN, 5f]));
        Assert.Equal(0, Greedy.ArgMax([float.NegativeInfinity, float.NegativeInfinity]));
    }
}
