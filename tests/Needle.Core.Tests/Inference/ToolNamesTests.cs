using System.Text.Json;
using Needle.Core.Inference;

namespace Needle.Core.Tests.Inference;

/// <summary>ToolNames against the Python reference of §9.1 (tools/reference/tool_names_fixtures.py).</summary>
public sealed class ToolNamesTests
{
    private static readonly JsonElement Fixture =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Generation", "tool_names.json"))).RootElement;

    private static List<KeyValuePair<string, string>> Map(JsonElement pairs) =>
        pairs.EnumerateArray().Select(p => new KeyValuePair<string, string>(p[0].GetString()!, p[1].GetString()!)).ToList();

    [Fact]
    public void Snake_case_matches_python()
    {
        foreach (var c in Fixture.GetProperty("snake").EnumerateArray())
            Assert.Equal(c[1].GetString(), ToolNames.ToSnakeCase(c[0].GetString()!));
    }

    [Fact]
    public void Normalize_matches_python()
    {
        foreach (var c in Fixture.GetProperty("normalize").EnumerateArray())
        {
            var (json, map) = ToolNames.Normalize(c[0].GetString()!);
            Assert.Equal(c[1].GetString(), json);
            Assert.Equal(Map(c[2]), map);
        }
    }

    [Fact]
    public void Restore_matches_python()
    {
        int n = 0;
        foreach (var c in Fixture.GetProperty("restore").EnumerateArray())
        {
            Assert.Equal(c[2].GetString(), ToolNames.Restore(c[0].GetString()!, Map(c[1])));
            n++;
        }
        Assert.True(n >= 50);
    }

    [Fact]
    public void Scalar_tools_json_is_a_caller_error()
    {
        Assert.Throws<ArgumentException>(() => ToolNames.Normalize("42"));
        Assert.Throws<ArgumentException>(() => ToolNames.Normalize("""[{"name": 7}]"""));
    }
}
