using System.Text.Json.Nodes;
using Needle.Core.Tools;

namespace Needle.Synthesis.Tests.Validation;

public sealed class ToolCallValidatorTests
{
    private static readonly IReadOnlyList<ToolDefinition> Tools = ToolSchemaParser.Parse("""
        [{"name":"set","description":"d","parameters":{"type":"object","properties":{
            "n":{"type":"integer","minimum":0,"maximum":10},"x":{"type":"number"},"on":{"type":"boolean"},
            "mode":{"type":"string","enum":["Heat","Cool"]},"unit":{"type":"string","description":"'c' or 'f'"},
            "tags":{"type":"array","items":{"type":"string"}},
            "where":{"type":"object","properties":{"room":{"type":"string"}},"required":["room"]}},"required":["n"]}},
         {"name":"ping","description":"d","parameters":{}}]
        """).Tools;

    private static CallValidation Check(string answers) => ToolCallValidator.ValidateAnswers(JsonNode.Parse(answers), Tools);

    [Fact]
    public void Strings_holding_numbers_and_booleans_are_coerced_and_enum_case_is_fixed()
    {
        var r = Check("""[{"name":"set","arguments":{"n":"3","x":"2.5","on":"TRUE","mode":"heat","unit":"F","tags":"solo"}}]""");
        Assert.True(r.IsValid, r.Rejection?.ToString());
        Assert.Equal("""[{"name":"set","arguments":{"n":3,"x":2.5,"on":true,"mode":"Heat","unit":"f","tags":["solo"]}}]""", r.Calls!.ToJsonString());
    }

    [Theory]
    [InlineData("""[{"name":"nope","arguments":{}}]""", "unknown tool")]
    [InlineData("""[{"name":"set","arguments":{}}]""", "missing required argument")]
    [InlineData("""[{"name":"set","arguments":{"n":1,"extra":2}}]""", "unknown argument")]
    [InlineData("""[{"name":"ping","arguments":{"a":1}}]""", "unknown argument")]
    [InlineData("""[{"name":"set","arguments":{"n":1.5}}]""", "wrong type")]
    [InlineData("""[{"name":"set","arguments":{"n":11}}]""", "out of range")]
    [InlineData("""[{"name":"set","arguments":{"n":1,"on":"yes"}}]""", "wrong type")]
    [InlineData("""[{"name":"set","arguments":{"n":1,"mode":"Dry"}}]""", "not in enum")]
    [InlineData("""[{"name":"set","arguments":{"n":1,"unit":"kelvin"}}]""", "not in enum")]
    [InlineData("""[{"name":"set","arguments":{"n":1,"where":{}}}]""", "missing required argument")]
    [InlineData("""[{"name":"set","arguments":{"n":1,"where":"kitchen"}}]""", "wrong type")]
    [InlineData("""{"name":"set"}""", "malformed answers")]
    [InlineData("""[{"arguments":{}}]""", "malformed call")]
    public void Bad_calls_are_rejected_with_a_countable_reason(string answers, string category)
    {
        var r = Check(answers);
        Assert.False(r.IsValid);
        Assert.Equal(category, r.Rejection!.Category);
    }

    [Fact]
    public void Arguments_as_a_json_string_and_null_optionals_are_normalized()
    {
        var r = Check("""[{"name":"set","arguments":"{\"n\":2,\"x\":null}"},{"name":"ping"}]""");
        Assert.True(r.IsValid, r.Rejection?.ToString());
        Assert.Equal("""[{"name":"set","arguments":{"n":2}},{"name":"ping","arguments":{}}]""", r.Calls!.ToJsonString());
    }
}
