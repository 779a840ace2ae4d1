using Needle.Core.Data;
using Needle.Core.Tokenization;

namespace Needle.Core.Training.Finetune;

/// <summary>
/// What to finetune: the data (a JSONL file or records already in memory), the base checkpoint, the tokenizer (a
/// loaded one, a path, or found beside the checkpoint) and the settings.
/// </summary>
public sealed record FinetuneRequest
{
    /// <summary>Training JSONL (upstream rows); exactly one of this and <see cref="Examples"/>.</summary>
    public string? DataPath { get; init; }
    public IReadOnlyList<ToolCallExample>? Examples { get; init; }

    public required string CheckpointPath { get; init; }
    public string? TokenizerPath { get; init; }
    public ITokenizer? Tokenizer { get; init; }

    public FinetuneSettings Settings { get; init; } = new();

    internal void Validate()
    {
        if ((DataPath is null) == (Examples is null))
            throw new ArgumentException("Give the training data either as a JSONL path or as examples (exactly one).");
        ArgumentException.ThrowIfNullOrEmpty(CheckpointPath);
        Settings.Validate();
    }
}
