using System.Text.Json;
using Needle.Core.Checkpoints;
using Needle.Tests;

namespace Needle.Core.Tests.Checkpoints;

/// <summary>Paths of the fixtures written by tools/reference/pickle_interop.py, and its expected-JSON format.</summary>
internal static class PickleFixtures
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Pickle");

    public static string File(string name) => Path.Combine(Dir, name);

    public static string Script => RepoPaths.Combine("tools", "reference", "pickle_interop.py");

    public sealed record Leaf(int[] Shape, string DType, double[] Values);

    public sealed record Expected(Dictionary<string, Leaf> Params, JsonElement Config, JsonElement Extra, string[] ConfigKeys);

    public static Expected ReadExpected(string name)
    {
        using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(File(name)));
        var root = doc.RootElement;
        var leaves = new Dictionary<string, Leaf>(StringComparer.Ordinal);
        foreach (var p in root.GetProperty("params").EnumerateObject())
        {
            leaves[p.Name] = new Leaf(
                p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                p.Value.GetProperty("dtype").GetString()!,
                p.Value.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray());
        }
        var keys = root.TryGetProperty("config_keys", out var k) ? k.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
        return new Expected(leaves, root.GetProperty("config").Clone(), root.GetProperty("extra").Clone(), keys);
    }

    /// <summary>Writes an expected-JSON for `pickle_interop.py check` (values are the float32s we saved).</summary>
    public static void WriteExpected(string path, IReadOnlyDictionary<string, NdArray> leaves, string dtype,
                                     IReadOnlyDictionary<string, object?> config, IReadOnlyDictionary<string, object?>? extra = null)
    {
        var doc = new Dictionary<string, object?>
        {
            ["params"] = leaves.ToDictionary(kv => kv.Key, kv => (object)new Dictionary<string, object>
            {
                ["shape"] = kv.Value.Shape,
                ["dtype"] = dtype,
                ["values"] = kv.Value.Data.Select(v => (double)v).ToArray(),
            }),
            ["config"] = config,
            ["extra"] = extra ?? new Dictionary<string, object?>(),
        };
        System.IO.File.WriteAllText(path, JsonSerializer.Serialize(doc));
    }
}
