namespace Needle.Core.Inference.Constrained;

/// <summary>
/// Structured decoding (ours, opt-in; not in upstream): the greedy choice among tokens whose whole text keeps the output
/// a prefix of a well-formed call list (<see cref="CallGrammar"/>), and EOS only once the list is closed. So a weak
/// model on unfamiliar tools still returns parseable calls to listed tools with listed keys.
/// </summary>
public sealed class StructuredDecoder : IDecodeConstraint
{
    private const int TopTries = 64;
    private readonly TokenStrings _tokens;
    private readonly CallGrammar _state;
    private readonly CallGrammar _probe;
    private readonly Dictionary<char, bool> _firstChar = [];
    private bool _broken;

    public StructuredDecoder(TokenStrings tokens, ToolSchemas tools)
    {
        _tokens = tokens ?? throw new ArgumentNullException(nameof(tokens));
        _state = new CallGrammar(tools);
        _probe = new CallGrammar(tools);
    }

    /// <summary>Steps where no token fitted the grammar and the model's own choice was taken (then the rule stops).</summary>
    public int Fallbacks { get; private set; }

    public int Choose(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        if (_broken) return Greedy.ArgMax(logits);
        if (_state.IsComplete) return EncoderInput.EosId;
        int vocab = Math.Min(logits.Length, _tokens.Count);

        // Usually one of the model's few best tokens fits: try them in order before scanning the vocabulary.
        logits.CopyTo(scratch);
        for (int t = 0; t < TopTries; t++)
        {
            int id = Greedy.ArgMax(scratch[..logits.Length]);
            if (float.IsNegativeInfinity(scratch[id])) break;
            if (id < vocab && Allowed(id)) return id;
            scratch[id] = float.NegativeInfinity;
        }

        // Full scan, pruned by each token's first character.
        _firstChar.Clear();
        int best = -1;
        for (int id = 0; id < vocab; id++)
        {
            if (float.IsNegativeInfinity(scratch[id])) continue; // already rejected above
            var text = _tokens[id];
            if (text.Length == 0 || (text != "<tool_call>" && !FirstCharFits(text[0]))) continue;
            if ((best < 0 || logits[id] > logits[best]) && Allowed(id)) best = id;
        }
        if (best >= 0) return best;
        Fallbacks++;
        _broken = true;
        return Greedy.ArgMax(logits);
    }

    public void Update(int tokenId)
    {
        if (_broken || tokenId < 0 || tokenId >= _tokens.Count) return;
        var text = _tokens[tokenId];
        if (text.Length > 0 && !_state.Feed(text)) { _broken = true; Fallbacks++; }
    }

    private bool Allowed(int id)
    {
        var text = _tokens[id];
        if (text.Length == 0) return false; // EOS/PAD/BOS/UNK: EOS is returned above once the list is complete
        _state.CopyTo(_probe);
        return _probe.Feed(text);
    }

    private bool FirstCharFits(char c)
    {
        if (_firstChar.TryGetValue(c, out var ok)) return ok;
        _state.CopyTo(_probe);
        ok = _probe.Feed(c);
        _firstChar[c] = ok;
        return ok;
    }
}
