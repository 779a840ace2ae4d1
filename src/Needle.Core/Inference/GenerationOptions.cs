namespace Needle.Core.Inference;

/// <summary>Knobs of upstream's generate / generate_batch (needle-model.md §9.1), with its defaults.</summary>
public sealed record GenerationOptions
{
    public static GenerationOptions Default { get; } = new();

    /// <summary>Grammar-constrain tool names and argument keys (§7).</summary>
    public bool Constrained { get; init; } = true;

    /// <summary>
    /// Ours, not upstream's: hold the whole answer to the call grammar (well-formed JSON, listed tools and keys, EOS only
    /// after the closing bracket; see <see cref="Constrained.StructuredDecoder"/>). Takes precedence over <see cref="Constrained"/>.
    /// </summary>
    public bool Structured { get; init; }

    /// <summary>Decoder buffer length incl. the start token: at most MaxGenLen − 1 tokens are generated.</summary>
    public int MaxGenLen { get; init; } = 512;

    /// <summary>Encoder length cap: query up to MaxEncLen − 2 tokens, then &lt;tools&gt;, then as many tool tokens as fit.</summary>
    public int MaxEncLen { get; init; } = 1024;

    /// <summary>snake_case tool names before encoding and restore them in the output.</summary>
    public bool Normalize { get; init; } = true;

    internal void Validate()
    {
        if (MaxGenLen < 1) throw new ArgumentException($"MaxGenLen must be at least 1 (got {MaxGenLen}).");
        if (MaxEncLen < 2) throw new ArgumentException($"MaxEncLen must be at least 2 (got {MaxEncLen}).");
    }
}
