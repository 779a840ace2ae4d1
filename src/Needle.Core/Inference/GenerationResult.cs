namespace Needle.Core.Inference;

/// <summary>One generation: the string upstream's generate() returns, the ids behind it, and how long it took.</summary>
public sealed record GenerationResult(
    string Text,
    IReadOnlyList<int> GeneratedIds,
    int PromptTokens,
    TimeSpan PrefillTime,
    TimeSpan DecodeTime)
{
    /// <summary>Tokens emitted (EOS not counted).</summary>
    public int GeneratedTokens => GeneratedIds.Count;

    /// <summary>Encoder tokens per second of the prefill (the encoder pass; tokenization excluded).</summary>
    public double PrefillTokensPerSecond => PrefillTime > TimeSpan.Zero ? PromptTokens / PrefillTime.TotalSeconds : 0;

    /// <summary>Decoder steps per second (each step yields one token or the final EOS).</summary>
    public double DecodeTokensPerSecond => DecodeTime > TimeSpan.Zero ? DecodeSteps / DecodeTime.TotalSeconds : 0;

    /// <summary>Decoder steps run: the generated tokens plus the step that produced EOS, if any.</summary>
    public int DecodeSteps { get; init; }
}

/// <summary>
/// One streamed step: the token and the text it added (trailing incomplete UTF-8 is held back until it completes).
/// The last item has <see cref="Final"/> set: the full result, with names restored as in <see cref="Generator.Generate"/>.
/// </summary>
public sealed record GeneratedToken(int TokenId, string TextDelta, GenerationResult? Final = null)
{
    public bool IsFinal => Final is not null;
}
