using Needle.Core.Data;
using Needle.Core.Json;

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
        if (!PyJson.TryLoads(tools, out var parsed) || parsed is not PyJsonArray array) return tools;
        var list = array.Items;
        var rng = new NumpyRandomState(seed);
        if (list.Count > 1) rng.Shuffle(list);
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not PyJsonObject tool) continue;
            if (tool["parameters"] is PyJsonObject p && p.Count > 1)
            {
                var keys = p.Keys.ToList();
                rng.Shuffle(keys);
                tool["parameters"] = Reordered(p, keys);
            }
            if (tool.Count > 1)
            {
                var top = tool.Keys.ToList();
                rng.Shuffle(top);
                list[i] = Reordered(tool, top);
            }
        }
        return PyJson.Dumps(array);
    }

    /// <summary>A new dict with the same entries in <paramref name="keyOrder"/> (a permutation of the keys).</summary>
    private static PyJsonObject Reordered(PyJsonObject d, IEnumerable<string> keyOrder)
    {
        var o = new PyJsonObject();
        foreach (var k in keyOrder) o[k] = d[k]!;
        return o;
    }
}
