using Needle.Core.Data;

namespace Needle.Core.Training;

/// <summary>
/// Upstream's <c>_shuffle_tools_json</c> (needle-model.md §3.1 step 2): a one-time, seeded reorder of the tools, of each
/// tool's parameters and of each tool's top-level keys, drawn from numpy's <c>RandomState(exampleIndex)</c>.
/// </summary>
public static class ToolsShuffler
{
    /// <summary>Returns the re-dumped compact JSON, or the input untouched when it is not a JSON array.</summary>
    public static string Shuffle(string tools, uint seed)
    {
        ArgumentNullException.ThrowIfNull(tools);
        if (!PythonJson.TryParse(tools, out var parsed) || parsed is not List<object?> list) return tools;
        var rng = new NumpyRandomState(seed);
        if (list.Count > 1) rng.Shuffle(list);
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not PythonDict tool) continue;
            if (tool.GetValueOrDefault("parameters") is PythonDict p && p.Count > 1)
            {
                var keys = p.Keys.ToList();
                rng.Shuffle(keys);
                tool["parameters"] = p.Reordered(keys);
            }
            if (tool.Count > 1)
            {
                var top = tool.Keys.ToList();
                rng.Shuffle(top);
                list[i] = tool.Reordered(top);
            }
        }
        return PythonJson.Dumps(list);
    }
}
