using Needle.Core.Json;

namespace Needle.Core.Inference.Constrained;

/// <summary>
/// The tries one example's output is held to (needle-model.md §7): one over the tool names, and per tool one over the
/// direct keys of its <c>parameters</c> whose value is an object (Needle's flat form <c>{"p": {"type": ...}}</c>; a
/// JSON-Schema tool therefore yields just "properties", like upstream).
/// </summary>
public sealed class ToolConstraints
{
    private readonly Dictionary<string, Trie> _paramTries = new(StringComparer.Ordinal);

    public Trie NameTrie { get; } = new();

    /// <summary>Reads (already snake_cased) tools JSON; text that is not a JSON array constrains nothing.</summary>
    public ToolConstraints(string toolsJson)
    {
        if (!PyJson.TryLoads(toolsJson, out var parsed) || parsed is not PyJsonArray tools) return;
        foreach (var item in tools.Items)
        {
            if (item is not PyJsonObject tool || !tool.TryGet("name", out var nameValue)) continue;
            if (nameValue is not PyJsonString { Value.Length: > 0 } name) continue;
            NameTrie.Insert(name.Value);

            // A missing "parameters" counts as {} (an empty trie, which constrains nothing); a non-object one leaves the name's trie as it was.
            var parameters = tool.TryGet("parameters", out var p) ? p : new PyJsonObject();
            if (parameters is not PyJsonObject paramObject) continue;
            var trie = new Trie();
            foreach (var (key, value) in paramObject.Entries)
                if (key.Length > 0 && value is PyJsonObject) trie.Insert(key);
            _paramTries[name.Value] = trie; // a later tool with the same name wins, as in a dict
        }
    }

    /// <summary>The argument-key trie of a tool, or null when the tool is unknown or has no object parameters.</summary>
    public Trie? ParamTrie(string functionName) => _paramTries.GetValueOrDefault(functionName);
}
