namespace Needle.Core.Inference.Constrained;

/// <summary>
/// Grammar-constrained greedy choice for one example (needle-model.md §7): while a tool name or argument key is being
/// spelled, tokens that would leave the tries get −inf; everything else (structure, values) is left to the model.
/// Call <see cref="Choose"/> with the step's logits, then <see cref="Update"/> with the chosen id (EOS included).
/// </summary>
public sealed class ConstrainedDecoder : IDecodeConstraint
{
    private readonly TokenStrings _tokens;
    private readonly ToolConstraints _constraints;
    private readonly JsonSpanTracker _tracker = new();
    private readonly bool[] _valid;

    public ConstrainedDecoder(TokenStrings tokens, ToolConstraints constraints)
    {
        _tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));
        _constraints = constraints ?? throw new ArgumentNullException(nameof(constraints));
        _valid = new bool[tokens.Count];
    }

    public SpanState State => _tracker.State;

    /// <summary>The name/key characters typed so far in the open span.</summary>
    public string SpanText => _tracker.SpanText;
    public bool IsActive => _tracker.State != SpanState.Free;

    /// <summary>How many constrained steps found no trie, fell off it, or found no valid token, and were left unconstrained.</summary>
    public int Fallbacks { get; private set; }

    /// <summary>Greedy choice: argmax of the logits, masked first when a span is open. <paramref name="scratch"/> needs logits.Length floats.</summary>
    public int Choose(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        if (!IsActive || !TryMask(logits, scratch)) return Greedy.ArgMax(logits);
        return Greedy.ArgMax(scratch[..logits.Length]);
    }

    /// <summary>Advances the tracker with the chosen token's text (EOS feeds nothing).</summary>
    public void Update(int tokenId) => _tracker.Feed(_tokens[tokenId]);

    // Writes the masked logits into scratch; false when no constraint applies (upstream returns the logits unchanged).
    private bool TryMask(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        int vocab = Math.Min(logits.Length, _tokens.Count);
        if (!ComputeValid(vocab)) { Fallbacks++; return false; }
        for (int id = 0; id < logits.Length; id++)
            scratch[id] = id < vocab && _valid[id] ? logits[id] : float.NegativeInfinity;
        return true;
    }

    /// <summary>How many ids the current step allows, or −1 when no mask applies (free text, no trie, off-trie, nothing valid).</summary>
    internal int AllowedCount(int vocab)
    {
        if (!IsActive) return -1;
        vocab = Math.Min(vocab, _tokens.Count);
        return ComputeValid(vocab) ? _valid.AsSpan(0, vocab).Count(true) : -1;
    }

    // Fills _valid for the open span; false when no constraint applies. Fallbacks are counted by the caller.
    private bool ComputeValid(int vocab)
    {
        var trie = _tracker.State == SpanState.InName ? _constraints.NameTrie : _constraints.ParamTrie(_tracker.CurrentFunction);
        if (trie is null) return false;
        var node = trie.Find(_tracker.SpanText);
        if (node is null) return false;
        Array.Clear(_valid);
        bool any = false;
        foreach (var first in node.Children.Keys) any |= MarkValid(first, node, vocab);
        if (node.IsTerminal) any |= MarkValid('"', node, vocab);
        return any;
    }

    private bool MarkValid(char first, TrieNode node, int vocab)
    {
        bool any = false;
        foreach (var id in _tokens.StartingWith(first))
            if (id < vocab && IsValidContinuation(_tokens[id], node)) { _valid[id] = true; any = true; }
        return any;
    }

    /// <summary>Walks the token's chars down the trie; a '"' ends the span and is valid only on a terminal node (chars after it are not checked).</summary>
    internal static bool IsValidContinuation(string text, TrieNode node)
    {
        foreach (var ch in text)
        {
            if (ch == '"') return node.IsTerminal;
            if (!node.Children.TryGetValue(ch, out node!)) return false;
        }
        return true;
    }
}
