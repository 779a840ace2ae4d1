namespace Needle.Synthesis.Pretrain;

/// <summary>One pretraining run: the preset, where it writes, the seed, and what to override.</summary>
public sealed record PretrainOptions
{
    public required PretrainPreset Preset { get; init; }
    public required string OutputDirectory { get; init; }
    public required string CatalogDirectory { get; init; }

    /// <summary>The SentencePiece model the run trains with (copied beside the checkpoint); its size must match the preset's vocab.</summary>
    public required string TokenizerPath { get; init; }

    public int Seed { get; init; } = 42;

    /// <summary>Total optimizer steps (default: the preset's).</summary>
    public int? Steps { get; init; }

    /// <summary>Continue from pretrain-state.json in the output directory instead of starting over.</summary>
    public bool Resume { get; init; }

    /// <summary>Stop after this many segments in this invocation (tests and time-boxed runs); the state file allows resuming.</summary>
    public int? MaxSegmentsThisRun { get; init; }

    /// <summary>The file name of the final model (beside it: the tokenizer, model card and metrics).</summary>
    public string ModelFileName { get; init; } = "needle-mini.pkl";
}
