using System.Text.Json.Nodes;
using Needle.Core.Tools;

namespace Needle.Synthesis.Tests.Tools;

public sealed class ToolSchemaParserTests
{
    private const string Needle = """
        [{"name":"set_timer","description":"Set a timer.","parameters":{
          "minutes":{"type":"number","description":"Length in minutes","required":true},
          "label":{"type":"string","description":"Name","required":false}}},
         {"name":"lock_screen","description":"Lock the screen.","parameters":{}}]
        """;

    private const string JsonSchema = """
        [{"name":"get_weather","description":"Weather for a city.","parameters":{"type":"object",
          "properties":{"city":{"type":"string","description":"City name"},
                        "unit":{"type":"string","enum":["celsius","fahrenheit"]},
                        "days":{"type":"integer","minimum":1,"maximum":7},
                        "fields":{"type":"array","items":{"type":"string","enum":["wind","rain"]}},
                        "place":{"type":"object","properties":{"lat":{"type":"number"},"lon":{"type":"number"}},"required":["lat"]}},
          "required":["city"]}}]
        """;

    [Fact]
    public void Needle_form_is_read_with_required_flags_and_order()
    {
        var parsed = ToolSchemaParser.Parse(Needle);
        Assert.Equal("needle", parsed.DetectedFormat);
        Assert.Equal(["set_timer", "lock_screen"], parsed.Tools.Select(t => t.Name));
        var minutes = parsed.Tools[0].Parameters[0];
        Assert.Equal(("minutes", ToolParameterType.Number, true), (minutes.Name, minutes.Type, minutes.Required));
        Assert.False(parsed.Tools[0].Parameters[1].Required);
        Assert.Empty(parsed.Tools[1].Parameters);
    }

    [Fact]
    public void Json_schema_form_keeps_enums_nested_objects_and_arrays()
    {
        var parsed = ToolSchemaParser.Parse(JsonSchema);
        Assert.Equal("json-schema", parsed.DetectedFormat);
        var tool = parsed.Tools.Single();
        Assert.True(tool.FindParameter("city")!.Required);
        Assert.False(tool.FindParameter("unit")!.Required);
        Assert.Equal(["celsius", "fahrenheit"], tool.FindParameter("unit")!.EnumStrings);
        var days = tool.FindParameter("days")!;
        Assert.Equal((ToolParameterType.Integer, 1.0, 7.0), (days.Type, days.Minimum!.Value, days.Maximum!.Value));
        var fields = tool.FindParameter("fields")!;
        Assert.Equal(ToolParameterType.Array, fields.Type);
        Assert.Equal(["wind", "rain"], fields.Items!.EnumStrings);
        var place = tool.FindParameter("place")!;
        Assert.Equal(ToolParameterType.Object, place.Type);
        Assert.Equal([("lat", true), ("lon", false)], place.Properties.Select(p => (p.Name, p.Required)));
    }

    [Fact]
    public void OpenAI_MCP_and_Gemini_forms_convert_to_the_same_tool()
    {
        const string schema = """{"type":"object","properties":{"q":{"type":"string","description":"Query"}},"required":["q"]}""";
        var openai = ToolSchemaParser.Parse($$$"""[{"type":"function","function":{"name":"search","description":"Search.","parameters":{{{schema}}}}}]""");
        var mcp = ToolSchemaParser.Parse($$$"""{"tools":[{"name":"search","description":"Search.","inputSchema":{{{schema}}}}]}""");
        var gemini = ToolSchemaParser.Parse("""[{"functionDeclarations":[{"name":"search","description":"Search.","parameters":{"type":"OBJECT","properties":{"q":{"type":"STRING","description":"Query"}},"required":["q"]}}]}]""");
        Assert.Equal("openai", openai.DetectedFormat);
        Assert.Equal("mcp", mcp.DetectedFormat);
        Assert.Equal("gemini", gemini.DetectedFormat);
        var expected = ToolSchemaWriter.ToNeedleJson(openai.Tools);
        Assert.Equal(expected, ToolSchemaWriter.ToNeedleJson(mcp.Tools));
        Assert.Equal(expected, ToolSchemaWriter.ToNeedleJson(gemini.Tools));
        Assert.Equal("""[{"name":"search","description":"Search.","parameters":{"q":{"type":"string","description":"Query","required":true}}}]""", expected);
        Assert.Equal(expected, ToolSchemaParser.ToNeedleJson($$$"""{"tools":[{"name":"search","description":"Search.","inputSchema":{{{schema}}}}]}"""));
    }

    [Fact]
    public void Needle_json_round_trips_through_the_parser()
    {
        var tools = ToolSchemaParser.Parse(JsonSchema).Tools;
        var needle = ToolSchemaWriter.ToNeedleJson(tools);
        var again = ToolSchemaParser.Parse(needle);
        Assert.Equal("needle", again.DetectedFormat);
        Assert.Equal(needle, ToolSchemaWriter.ToNeedleJson(again.Tools));
        var place = again.Tools[0].FindParameter("place")!;
        Assert.Equal([("lat", true), ("lon", false)], place.Properties.Select(p => (p.Name, p.Required)));
        // Canonical JSON Schema round trip too.
        var schema = ToolSchemaWriter.ToJsonSchemaJson(tools);
        Assert.Equal(schema, ToolSchemaWriter.ToJsonSchemaJson(ToolSchemaParser.Parse(schema).Tools));
    }

    [Fact]
    public void Needle_json_keeps_non_ascii_and_writes_integers_as_number()
    {
        var json = ToolSchemaWriter.ToNeedleJson("""[{"name":"n","description":"Café ☕","parameters":{"type":"object","properties":{"k":{"type":"integer"}}}}]""");
        Assert.Contains("Café ☕", json);
        var k = JsonNode.Parse(json)![0]!["parameters"]!["k"]!;
        Assert.Equal("number", (string)k["type"]!);
        Assert.False((bool)k["required"]!);
    }

    [Fact]
    public void Aliases_and_missing_descriptions_become_notices()
    {
        var parsed = ToolSchemaParser.Parse("""[{"name":"f","parameters":{"n":{"type":"int","required":true},"s":"free text"}}]""");
        Assert.Equal(ToolParameterType.Integer, parsed.Tools[0].Parameters[0].Type);
        Assert.True(parsed.Tools[0].Parameters[1].Required);
        Assert.Contains(parsed.Notices, n => n.Contains("no description"));
        Assert.Contains(parsed.Notices, n => n.Contains("\"int\""));
    }

    [Theory]
    [InlineData("""[{"name":"a","description":"d","parameters":{"type":"object","properties":{"x":{"type":"strng"}}}}]""", "a", "parameters.properties.x.type", "strng")]
    [InlineData("""[{"name":"a","description":"d","parameters":{"type":"object","properties":{"x":{"type":"string"}},"required":["y"]}}]""", "a", "parameters.required", "'y'")]
    [InlineData("""[{"name":"a","description":"d","parameters":{"x":{"type":"string","required":"yes"}}}]""", "a", "parameters.x.required", "true or false")]
    [InlineData("""[{"name":"a","description":"d","parameters":{"type":"object","properties":{"u":{"type":"string","enum":["c",3]}}}}]""", "a", "parameters.properties.u.enum", "3")]
    [InlineData("""[{"name":"a","description":"d","parameters":{"type":"object","properties":{"u":{"type":"string","enum":[]}}}}]""", "a", "parameters.properties.u.enum", "non-empty")]
    [InlineData("""[{"name":"a","description":"d","parameters":{"x":42}}]""", "a", "parameters.x", "42")]
    [InlineData("""[{"name":"a","description":"d","inputSchema":{"x":{"type":"string"}}}]""", "a", "inputSchema", "JSON Schema")]
    public void Bad_schemas_name_the_tool_and_the_field(string json, string tool, string field, string detail)
    {
        var e = Assert.Throws<ToolSchemaException>(() => ToolSchemaParser.Parse(json));
        Assert.Equal(tool, e.ToolName);
        Assert.Equal(field, e.Field);
        Assert.Contains($"'{tool}'", e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Theory]
    [InlineData("[{\"name\":\"a\",", "not valid JSON")]
    [InlineData("42", "JSON array")]
    [InlineData("[{\"description\":\"no name\"}]", "#1 has no \"name\"")]
    [InlineData("[{\"name\":\"send message\"}]", "only letters")]
    [InlineData("[{\"name\":\"a\"},{\"name\":\"a\"}]", "defined twice")]
    [InlineData("[\"get_weather\"]", "must be a JSON object")]
    public void Bad_lists_get_readable_errors(string json, string detail)
    {
        var e = Assert.Throws<ToolSchemaException>(() => ToolSchemaParser.Parse(json));
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void Union_types_keep_the_non_null_branch()
    {
        var parsed = ToolSchemaParser.Parse("""[{"name":"a","description":"d","parameters":{"type":"object","properties":{"x":{"type":["string","null"]},"y":{"anyOf":[{"type":"null"},{"type":"number"}]}}}}]""");
        Assert.Equal([ToolParameterType.String, ToolParameterType.Number], parsed.Tools[0].Parameters.Select(p => p.Type));
        Assert.Equal(2, parsed.Notices.Count);
    }

    [Fact]
    public void ParseFile_names_the_file_in_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"needle-tools-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "[{\"name\":\"a\",\"parameters\":[]}]");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => ToolSchemaParser.ParseFile(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("\"parameters\" must be an object", e.Message);
        }
        finally { File.Delete(path); }
    }
}
