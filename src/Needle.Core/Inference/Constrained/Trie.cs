namespace Needle.Core.Inference.Constrained;

/// <summary>A character trie of the tool names or argument keys a constrained span may spell.</summary>
public sealed class TrieNode
{
    public Dictionary<char, TrieNode> Children { get; } = [];
    public bool IsTerminal { get; internal set; }
}

public sealed class Trie
{
    public TrieNode Root { get; } = new();

    public void Insert(string word)
    {
        var node = Root;
        foreach (var ch in word)
        {
            if (!node.Children.TryGetValue(ch, out var child)) node.Children[ch] = child = new TrieNode();
            node = child;
        }
        node.IsTerminal = true;
    }

    /// <summary>The node reached by spelling <paramref name="prefix"/>, or null when it falls off the trie.</summary>
    public TrieNode? Find(ReadOnlySpan<char> prefix)
    {
        var node = Root;
        foreach (var ch in prefix)
            if (!node.Children.TryGetValue(ch, out node)) return null;
        return node;
    }
}
