using Needle.Core.Tools;
using Needle.Synthesis.Catalog;
using Needle.Tests;

namespace Needle.Synthesis.Tests.Catalog;

public sealed class ToolCatalogTests
{
    private static string Dir => RepoPaths.Combine("src", "Needle.Synthesis", "Catalog", "Data");

    [Fact]
    public void Every_catalogue_file_parses_and_names_are_unique()
    {
        var files = Directory.GetFiles(Path.Combine(Dir, "tools"), "*.json");
        Assert.True(files.Length >= 15, $"{files.Length} domains");
        var names = new List<string>();
        var formats = new HashSet<string>();
        foreach (var f in files)
        {
            var parsed = ToolSchemaParser.ParseFile(f);
            Assert.NotEmpty(parsed.Tools);
            formats.Add(parsed.DetectedFormat);
            foreach (var t in parsed.Tools)
            {
                Assert.False(string.IsNullOrWhiteSpace(t.Description), t.Name);
                Assert.All(t.Parameters, p => Assert.False(string.IsNullOrWhiteSpace(p.Description), $"{t.Name}.{p.Name}"));
            }
            names.AddRange(parsed.Tools.Select(t => t.Name));
        }
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.True(names.Count >= 200, $"{names.Count} tools");
        Assert.True(formats.Count >= 3, string.Join(",", formats)); // needle, JSON Schema and OpenAI forms all present
    }

    [Fact]
    public void Catalogue_has_varied_parameters_and_a_disjoint_held_out_split()
    {
        var catalog = ToolCatalog.Load(Dir);
        var all = catalog.Tools.Select(t => t.Tool).ToList();
        var parameters = all.SelectMany(t => t.Parameters).ToList();
        foreach (var type in new[] { ToolParameterType.String, ToolParameterType.Integer, ToolParameterType.Number, ToolParameterType.Boolean, ToolParameterType.Array })
            Assert.Contains(parameters, p => p.Type == type);
        Assert.Contains(parameters, p => p.Enum is { Count: > 1 });
        Assert.Contains(parameters, p => !p.Required);

        Assert.NotEmpty(catalog.HeldOutTools);
        Assert.Empty(catalog.TrainTools.Select(t => t.Name).Intersect(catalog.HeldOutTools.Select(t => t.Name)));
        Assert.Equal(all.Count, catalog.TrainTools.Count + catalog.HeldOutTools.Count);
        // Every domain keeps tools on both sides, so held-out metrics measure unseen tools of familiar kinds.
        foreach (var domain in catalog.Domains)
        {
            Assert.Contains(catalog.Tools, t => t.Domain == domain && catalog.HeldOutNames.Contains(t.Tool.Name));
            Assert.Contains(catalog.Tools, t => t.Domain == domain && !catalog.HeldOutNames.Contains(t.Tool.Name));
        }
    }

    [Fact]
    public void Duplicate_names_and_unknown_held_out_names_are_rejected_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("needle-catalog-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "tools"));
            const string tool = """[{"name":"set_timer","description":"Start a timer.","parameters":{"minutes":{"type":"integer","description":"Minutes","required":true}}}]""";
            File.WriteAllText(Path.Combine(dir, "tools", "a.json"), tool);
            File.WriteAllText(Path.Combine(dir, "heldout.json"), """["no_such_tool"]""");
            var e = Assert.Throws<InvalidDataException>(() => ToolCatalog.Load(dir));
            Assert.Contains("no_such_tool", e.Message);

            File.WriteAllText(Path.Combine(dir, "heldout.json"), "[]");
            File.WriteAllText(Path.Combine(dir, "tools", "b.json"), tool);
            e = Assert.Throws<InvalidDataException>(() => ToolCatalog.Load(dir));
            Assert.Contains("b.json", e.Message);
            Assert.Contains("set_timer", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
