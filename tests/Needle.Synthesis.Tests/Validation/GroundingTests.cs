using System.Text.Json.Nodes;
using Needle.Core.Tools;
using Needle.Synthesis.Validation;

namespace Needle.Synthesis.Tests.Validation;

public sealed class GroundingTests
{
    [Theory]
    [InlineData("text Maya that I'm running late", "Maya", false, true)]
    [InlineData("text maya that I'm running late", "Maya", false, true)]
    [InlineData("text Maya that I'm running late", "Priya", false, false)]
    [InlineData("remind me at 7:30 to call", "7:30 am", false, true)]
    [InlineData("remind me at 7:45 to call", "7:30", false, false)]
    [InlineData("add the blue folder and the red pen to my desk list", "blue folder red pen desk", false, true)]
    [InlineData("play somethign by Radiohed", "Radiohead", true, true)]
    [InlineData("play somethign by Radiohed", "Radiohead", false, false)]
    [InlineData("call the dentist office", "Dr. Smith", false, false)]
    public void String_values_must_come_from_the_query(string query, string value, bool fuzzy, bool grounded) =>
        Assert.Equal(grounded, Grounding.IsStringGrounded(query, value, fuzzy));

    [Fact]
    public void Long_values_need_three_quarters_of_their_words()
    {
        const string query = "send Ana a note saying the plumber comes between two and four tomorrow";
        Assert.True(Grounding.IsStringGrounded(query, "the plumber comes between two and four on Thursday", fuzzy: false));
        Assert.False(Grounding.IsStringGrounded(query, "the electrician arrives around noon on Thursday afternoon", fuzzy: false));
    }

    [Theory]
    [InlineData("set a timer for 15 minutes", 15, true)]
    [InlineData("set a timer for fifteen minutes", 15, true)]
    [InlineData("set a timer for 15 minutes", 20, false)]
    [InlineData("transfer $1,250.50 to savings", 1250.5, true)]
    [InlineData("dim the lights to half", 50, true)]
    public void Numbers_must_appear_as_digits_or_words(string query, double value, bool grounded) =>
        Assert.Equal(grounded, Grounding.IsNumberGrounded(query, value));

    [Fact]
    public void Enum_values_and_ids_are_exempt()
    {
        var tool = ToolSchemaParser.Parse("""[{"name":"t","description":"d","parameters":{"type":"object","properties":{"mode":{"type":"string","enum":["cool","heat"]},"contact_id":{"type":"string"},"room":{"type":"string"}}}}]""").Tools[0];
        var call = JsonNode.Parse("""{"name":"t","arguments":{"mode":"cool","contact_id":"contact_ana_7","room":"kitchen"}}""")!.AsObject();
        Assert.Null(Grounding.FindUngrounded("it's too hot in the kitchen", call, tool, fuzzy: false));
        Assert.Equal("t.room = \"kitchen\"", Grounding.FindUngrounded("it's too hot in here", call, tool, fuzzy: false));
    }
}
