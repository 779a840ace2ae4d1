using System.Text;
using System.Text.RegularExpressions;
using Needle.Core.Json;

namespace Needle.Core.Inference;

/// <summary>
/// Inference-time tool-name handling (needle-model.md §9.1): tool names are snake_cased before encoding, and the
/// names in the model's output are mapped back to the caller's spelling afterwards.
/// </summary>
public static partial class ToolNames
{
    [GeneratedRegex("[^a-zA-Z0-9_]+", RegexOptions.CultureInvariant)]
    private static partial Regex NonWordRuns();

    [GeneratedRegex("([a-z0-9])([A-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex LowerThenUpper();

    [GeneratedRegex("([A-Z]+)([A-Z][a-z])", RegexOptions.CultureInvariant)]
    private static partial Regex AcronymThenWord();

    [GeneratedRegex("_+", RegexOptions.CultureInvariant)]
    private static partial Regex Underscores();

    /// <summary>
    /// Upstream's to_snake_case: non-[A-Za-z0-9_] runs → "_", split lower→Upper and ACRONYMWord boundaries,
    /// collapse "_", lowercase, strip "_". <c>getHTTPResponse</c> → <c>get_http_response</c>.
    /// </summary>
    public static string ToSnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var s = NonWordRuns().Replace(name, "_");
        s = LowerThenUpper().Replace(s, "$1_$2");
        s = AcronymThenWord().Replace(s, "$1_$2");
        s = Underscores().Replace(s, "_");
        return s.ToLowerInvariant().Trim('_'); // only ASCII is left, so invariant lowering is Python's str.lower
    }

    /// <summary>
    /// Upstream's normalize_tools: snake_case every tool's <c>name</c> and re-dump compactly (no shuffling). Returns the
    /// new JSON and a snake → original map (a later duplicate wins, as in a Python dict). Text that is not JSON passes
    /// through with an empty map.
    /// </summary>
    public static (string ToolsJson, IReadOnlyList<KeyValuePair<string, string>> NameMap) Normalize(string toolsJson)
    {
        ArgumentNullException.ThrowIfNull(toolsJson);
        if (!PyJson.TryLoads(toolsJson, out var tools)) return (toolsJson, []);
        var map = new PyOrderedMap();
        switch (tools)
        {
            case PyJsonArray list:
                foreach (var t in list.Items)
                {
                    if (t is not PyJsonObject tool || !tool.TryGet("name", out var nameValue)) continue;
                    if (nameValue is not PyJsonString original)
                        throw new ArgumentException($"A tool's \"name\" must be a string, got {PyJson.Dumps(nameValue)}.", nameof(toolsJson));
                    var snake = ToSnakeCase(original.Value);
                    map.Set(snake, original.Value);
                    tool.Set("name", new PyJsonString(snake));
                }
                break;
            case PyJsonObject or PyJsonString:
                break; // Python iterates keys / characters: nothing is renamed, the text is still re-dumped
            default:
                throw new ArgumentException($"The tools JSON must be an array of tools, got {PyJson.Dumps(tools)}.", nameof(toolsJson));
        }
        return (PyJson.Dumps(tools), map.Entries);
    }

    /// <summary>
    /// Upstream's restore_tool_names: when the output is JSON, map each call's <c>name</c> back and re-dump compactly;
    /// otherwise replace snake names by the originals in the text, longest first. An empty map leaves the text as is.
    /// </summary>
    public static string Restore(string predicted, IReadOnlyList<KeyValuePair<string, string>> nameMap)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(nameMap);
        if (nameMap.Count == 0) return predicted;
        if (!PyJson.TryLoads(predicted, out var calls))
        {
            // sorted(..., key=len, reverse=True) is stable: equal lengths keep map order.
            foreach (var (snake, original) in nameMap.OrderByDescending(p => p.Key.Length))
                predicted = PyReplace(predicted, snake, original);
            return predicted;
        }
        if (calls is PyJsonArray list)
            foreach (var c in list.Items) RestoreCall(c, nameMap);
        else RestoreCall(calls, nameMap);
        return PyJson.Dumps(calls);
    }

    private static void RestoreCall(PyJsonValue call, IReadOnlyList<KeyValuePair<string, string>> nameMap)
    {
        if (call is not PyJsonObject o || !o.TryGet("name", out var name) || name is not PyJsonString s) return;
        foreach (var (snake, original) in nameMap)
            if (string.Equals(snake, s.Value, StringComparison.Ordinal)) { o.Set("name", new PyJsonString(original)); return; }
    }

    /// <summary>Python's str.replace, including the empty-pattern case (insert between every character).</summary>
    internal static string PyReplace(string s, string old, string replacement)
    {
        if (old.Length > 0) return s.Replace(old, replacement, StringComparison.Ordinal);
        var sb = new StringBuilder(s.Length * (replacement.Length + 1) + replacement.Length);
        sb.Append(replacement);
        foreach (var ch in s) sb.Append(ch).Append(replacement);
        return sb.ToString();
    }

    /// <summary>A tiny insertion-ordered map with Python dict assignment semantics.</summary>
    private sealed class PyOrderedMap
    {
        public List<KeyValuePair<string, string>> Entries { get; } = [];

        public void Set(string key, string value)
        {
            int i = Entries.FindIndex(e => string.Equals(e.Key, key, StringComparison.Ordinal));
            if (i >= 0) Entries[i] = new(key, value);
            else Entries.Add(new(key, value));
        }
    }
}
