using Needle.Core.Json;

namespace Needle.Core.Inference.Constrained;

/// <summary>
/// The names and argument keys structured decoding may write: a trie over the tool names and, per tool, one over its
/// parameter names (Needle flat form <c>{"p": {...}}</c>, or a JSON Schema's <c>properties</c>, unlike upstream's §7
/// tries which take the literal key "properties" there).
/// </summary>
public sealed class ToolSchemas
{
    private static readonly Trie Empty = new();
    private readonly Dictionary<string, Trie> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _keyLists = new(StringComparer.Ordinal);

    public Trie Names { get; } = new();

    /// <summary>Reads (already snake_cased) tools JSON; anything that is not a JSON array gives no tools.</summary>
    public ToolSchemas(string toolsJson)
    {
        if (!PyJson.TryLoads(toolsJson, out var parsed) || parsed is not PyJsonArray tools) return;
        foreach (var item in tools.Items)
        {
            if (item is not PyJsonObject tool || !tool.TryGet("name", out var n) || n is not PyJsonString { Value.Length: > 0 } name) continue;
            Names.Insert(name.Value);
            var trie = new Trie();
            var list = new List<string>();
            if (tool.TryGet("parameters", out var p) && p is PyJsonObject parameters)
            {
                var fields = parameters.TryGet("properties", out var props) && props is PyJsonObject schema
                                 && parameters.TryGet("type", out var t) && t is PyJsonString { Value: "object" }
                    ? schema : parameters;
                foreach (var (key, value) in fields.Entries)
                    if (key.Length > 0 && value is PyJsonObject) { trie.Insert(key); list.Add(key); }
            }
            _keys[name.Value] = trie;
            _keyLists[name.Value] = list;
        }
    }

    /// <summary>The parameter-name trie of a tool (empty when it has none).</summary>
    public Trie Keys(string tool) => _keys.GetValueOrDefault(tool, Empty);

    /// <summary>The parameter names of a tool, in schema order (empty when it has none).</summary>
    public IReadOnlyList<string> KeyList(string tool) => _keyLists.TryGetValue(tool, out var list) ? list : [];
}
