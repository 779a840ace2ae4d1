using Needle.Core.Inference;

namespace Needle.Core.Tests.Inference;

public sealed class EncoderInputTests
{
    private static readonly FakeTokenizer Tok = GeneratorTests.Tok;

    [Fact]
    public void Layout_is_query_tools_token_tools()
    {
        var enc = EncoderInput.Build(Tok, "What is", "[]", 1024);
        Assert.Equal(Tok.Encode("What is").Append(EncoderInput.ToolsId).Concat(Tok.Encode("[]")), enc);
    }

    [Fact]
    public void Long_query_keeps_max_minus_two_tokens_and_one_tool_token()
    {
        var query = string.Join(' ', Enumerable.Repeat("the", 40));
        var q = Tok.Encode(query);
        var t = Tok.Encode("[]");
        var enc = EncoderInput.Build(Tok, query, "[]", 10);
        Assert.Equal(10, enc.Length);
        Assert.Equal(q[..8], enc[..8]);
        Assert.Equal(EncoderInput.ToolsId, enc[8]);
        Assert.Equal(t[0], enc[9]);
    }

    [Fact]
    public void Tools_are_cut_to_what_is_left()
    {
        var tools = string.Concat(Enumerable.Repeat("Paris", 30));
        var enc = EncoderInput.Build(Tok, "What", tools, 12);
        var q = Tok.Encode("What");
        Assert.Equal(12, enc.Length);
        Assert.Equal(Tok.Encode(tools)[..(12 - q.Length - 1)], enc[(q.Length + 1)..]);
    }
}
