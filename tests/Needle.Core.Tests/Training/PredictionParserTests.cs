using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class PredictionParserTests
{
    [Theory]
    [InlineData(" [{\"name\":\"a\",\"arguments\":{}}] ", true, false, 1)]
    [InlineData("{\"name\":\"a\"}", true, false, 1)]
    [InlineData("42", true, false, 0)]
    [InlineData("[]", true, true, 0)]
    [InlineData("", false, true, 0)]
    [InlineData("[{\"name\":", false, false, 0)]
    public void Parse_follows_upstream_rules(string text, bool parsed, bool empty, int calls)
    {
        var p = PredictionParser.Parse(text);
        Assert.Equal((parsed, empty, calls), (p.Parsed, p.Empty, p.Calls.Count));
    }

    [Fact]
    public void Calls_keeps_named_objects_only()
    {
        var calls = PredictionParser.Calls("[{\"name\":\"a\",\"arguments\":{\"x\":1}},{\"name\":2},3,{\"name\":\"b\"}]");
        Assert.Equal(["a", "b"], calls.Select(c => c.Name));
        Assert.Equal(1, Assert.IsType<Needle.Core.Json.PyJsonInt>(calls[0].Arguments["x"]).Value);
        Assert.Equal(0, calls[1].Arguments.Count);
    }
}
