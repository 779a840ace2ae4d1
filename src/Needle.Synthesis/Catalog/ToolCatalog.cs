using Needle.Core.Tools;

namespace Needle.Synthesis.Catalog;

/// <summary>One catalogue tool and the domain file it came from.</summary>
public sealed record CatalogTool(string Domain, ToolDefinition Tool);

/// <summary>
/// The needle-mini tool catalogue (src/Needle.Synthesis/Catalog/Data, written by tools/mini/make_catalog.py, copied
/// to the build output as catalog/): one JSON tool list per domain
/// in tools/*.json (any dialect <see cref="ToolSchemaParser"/> reads) and heldout.json, the names the model never sees in
/// training so the model card can report metrics on unseen tools.
/// </summary>
public sealed class ToolCatalog
{
    public const string DefaultRelativePath = "src/Needle.Synthesis/Catalog/Data";

    /// <summary>Where the build puts the catalogue beside the program.</summary>
    public const string OutputFolder = "catalog";

    public required IReadOnlyList<CatalogTool> Tools { get; init; }
    public required IReadOnlySet<string> HeldOutNames { get; init; }
    public string Directory { get; init; } = "";

    public IReadOnlyList<ToolDefinition> TrainTools => Tools.Where(t => !HeldOutNames.Contains(t.Tool.Name)).Select(t => t.Tool).ToList();
    public IReadOnlyList<ToolDefinition> HeldOutTools => Tools.Where(t => HeldOutNames.Contains(t.Tool.Name)).Select(t => t.Tool).ToList();
    public IReadOnlyList<string> Domains => Tools.Select(t => t.Domain).Distinct().ToList();

    /// <summary>Loads a catalogue folder. Bad files are <see cref="InvalidDataException"/>s naming the file.</summary>
    public static ToolCatalog Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var toolsDir = Path.Combine(directory, "tools");
        if (!System.IO.Directory.Exists(toolsDir)) throw new DirectoryNotFoundException($"Tool catalogue not found: {toolsDir}");
        var tools = new List<CatalogTool>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.GetFiles(toolsDir, "*.json").Order(StringComparer.Ordinal))
        {
            var domain = Path.GetFileNameWithoutExtension(file);
            foreach (var tool in ToolSchemaParser.ParseFile(file).Tools)
            {
                if (seen.TryGetValue(tool.Name, out var other))
                    throw new InvalidDataException($"{file}: tool '{tool.Name}' is already defined in {other}.json (catalogue names must be unique).");
                seen[tool.Name] = domain;
                tools.Add(new CatalogTool(domain, tool));
            }
        }
        if (tools.Count == 0) throw new InvalidDataException($"{toolsDir}: no tools (expected *.json tool lists).");

        var heldPath = Path.Combine(directory, "heldout.json");
        var held = new HashSet<string>(StringComparer.Ordinal);
        if (File.Exists(heldPath))
        {
            string[]? names;
            try { names = System.Text.Json.JsonSerializer.Deserialize<string[]>(File.ReadAllText(heldPath)); }
            catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{heldPath}: not a JSON array of tool names ({e.Message})", e); }
            foreach (var n in names ?? [])
            {
                if (!seen.ContainsKey(n)) throw new InvalidDataException($"{heldPath}: held-out tool '{n}' is not in the catalogue.");
                held.Add(n);
            }
        }
        if (held.Count == tools.Count) throw new InvalidDataException($"{heldPath}: every tool is held out; nothing is left to train on.");
        return new ToolCatalog { Tools = tools, HeldOutNames = held, Directory = Path.GetFullPath(directory) };
    }

    /// <summary>The catalogue beside the program (build output, container), else the source folder above the working directory.</summary>
    public static string? FindDefault()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, OutputFolder);
        if (System.IO.Directory.Exists(Path.Combine(beside, "tools"))) return beside;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, DefaultRelativePath);
                if (System.IO.Directory.Exists(Path.Combine(candidate, "tools"))) return candidate;
            }
        return null;
    }
}
