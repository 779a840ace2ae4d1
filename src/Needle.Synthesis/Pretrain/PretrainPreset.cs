using Needle.Core.Model;

namespace Needle.Synthesis.Pretrain;

/// <summary>
/// A from-scratch training recipe: model size, steps, batch, learning rates, sequence lengths and how the steps are cut
/// into segments (each segment is one resumable unit: train on fresh corpus, checkpoint, write the state file).
/// </summary>
public sealed record PretrainPreset
{
    public required string Name { get; init; }
    public required NeedleConfig Config { get; init; }
    public required int Steps { get; init; }
    public required int StepsPerSegment { get; init; }
    public required int BatchSize { get; init; }

    /// <summary>Corpus examples drawn per segment (packed into rows; enough for <see cref="StepsPerSegment"/> × batch).</summary>
    public required int ExamplesPerSegment { get; init; }

    public double AdamLearningRate { get; init; } = 3e-3;
    public double MuonLearningRate { get; init; } = 0.02;
    public int MaxEncLen { get; init; } = 256;
    public int MaxDecLen { get; init; } = 96;
    public int MaxToolsPerExample { get; init; } = 5;

    /// <summary>
    /// Share of training examples with made-up tool/parameter names, meant to make the model copy names from the prompt.
    /// 0 for the shipped needle-mini: a 0.5 run of the same length scored lower on train tools and no better on held-out
    /// tools (docs/needle-mini.md). `needle pretrain --rename-share X` sets it.
    /// </summary>
    public double RenameProbability { get; init; }

    /// <summary>Held-out examples generated from tools the model never trains on (the model card's metric).</summary>
    public int HeldOutExamples { get; init; } = 300;

    public int Segments => (Steps + StepsPerSegment - 1) / StepsPerSegment;

    /// <summary>
    /// needle-mini: d_model 256, 4 heads / 2 KV heads, 4+4 layers, vocab 4096 → about 3.3M parameters (≈6.6 MB as
    /// float16). 2000 steps ≈ an hour on 2 idle cores, from the smoke-run measurement in docs/needle-mini.md; 12,000
    /// fresh examples per 250-step segment (rows pack about two examples at enc 512).
    /// </summary>
    public static PretrainPreset Mini { get; } = new()
    {
        Name = "mini",
        Config = new NeedleConfig
        {
            VocabSize = 4096, DModel = 256, NumHeads = 4, NumKvHeads = 2, NumEncoderLayers = 4, NumDecoderLayers = 4,
            ContrastiveDim = 64, DType = "float16",
        },
        Steps = 2000, StepsPerSegment = 250, BatchSize = 16, ExamplesPerSegment = 250 * 16 * 3, MaxEncLen = 512, MaxDecLen = 128,
    };

    /// <summary>A few seconds of training, for tests: d_model 64, 2+2 layers, the 600-piece test tokenizer.</summary>
    public static PretrainPreset Tiny { get; } = new()
    {
        Name = "tiny",
        Config = new NeedleConfig
        {
            VocabSize = 600, DModel = 64, NumHeads = 4, NumKvHeads = 2, NumEncoderLayers = 2, NumDecoderLayers = 2, ContrastiveDim = 16,
            DType = "float16",
        },
        Steps = 4, StepsPerSegment = 2, BatchSize = 4, ExamplesPerSegment = 24, MaxEncLen = 512, MaxDecLen = 64,
        MaxToolsPerExample = 2, HeldOutExamples = 6, AdamLearningRate = 1e-2, MuonLearningRate = 0.04,
    };

    public static PretrainPreset Named(string name) => name.ToLowerInvariant() switch
    {
        "mini" => Mini,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"Unknown preset '{name}' (known: mini, tiny)."),
    };
}
