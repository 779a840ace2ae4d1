using Needle.Core.Data;

namespace Needle.Core.Training.Finetune;

/// <summary>
/// Knobs of a finetune run. Defaults are upstream's `needle finetune` (needle-model.md §5), except the minimum-steps
/// floor of <see cref="TrainingPlan"/> (set <see cref="UpstreamStepCount"/> for upstream's exact arithmetic).
/// </summary>
public sealed record FinetuneSettings
{
    public int Epochs { get; init; } = 1;
    /// <summary>Packed rows per optimizer step (upstream CLI 64; the playground uses min(32, #examples)).</summary>
    public int BatchSize { get; init; } = 64;
    public int Seed { get; init; } = 42;

    /// <summary>Where checkpoints and the bundle go (upstream: ./checkpoints).</summary>
    public string OutputDirectory { get; init; } = "checkpoints";

    public OptimizerSettings Optimizer { get; init; } = new();
    public LossWeights Weights { get; init; } = LossWeights.Finetune;
    public bool Dropout { get; init; } = true;

    /// <summary>Never fewer optimizer steps than this (see <see cref="TrainingPlan"/>).</summary>
    public int MinSteps { get; init; } = 20;
    public int MinStepsPerEpoch { get; init; } = 4;
    public int MaxEpochs { get; init; } = 10;
    /// <summary>Stop after this many optimizer steps (the schedules then span this many).</summary>
    public int? MaxSteps { get; init; }
    /// <summary>floor(bins / batch) × epochs exactly as upstream, zero steps possible (§10 #4).</summary>
    public bool UpstreamStepCount { get; init; }

    public int ValPerTool { get; init; } = 10;
    public int TestPerTool { get; init; } = 10;
    public DataValidationOptions Validation { get; init; } = new();

    /// <summary>Encoder/decoder lengths: the example limits and the packed row capacity (§3.3, §3.5).</summary>
    public int MaxEncLen { get; init; } = SpecialTokens.MaxEncLen;
    public int MaxDecLen { get; init; } = SpecialTokens.MaxDecLen;
    public int MaxGenLen { get; init; } = SpecialTokens.MaxDecLen;
    public int EvalBatchSize { get; init; } = 32;

    /// <summary>Epoch-end validation generates with INT4 fake-quantized kernels, like upstream (§5.3).</summary>
    public bool QuantizedValidation { get; init; } = true;
    /// <summary>At most this many val examples per #tools bucket in the epoch-end pools (§6.2).</summary>
    public int ValPoolPerBucket { get; init; } = 50;

    /// <summary>Write the download bundle (zip) at the end.</summary>
    public bool WriteBundle { get; init; } = true;

    /// <summary>Fixes the run's name and bundle time stamp (tests); default: now, UTC.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>The playground's one-click settings (B7 step 4): 1 epoch, batch min(32, #examples), into <paramref name="outputDirectory"/>.</summary>
    public static FinetuneSettings Playground(int exampleCount, string outputDirectory) => new()
    {
        Epochs = 1, BatchSize = Math.Max(1, Math.Min(32, exampleCount)), OutputDirectory = outputDirectory,
    };

    public TrainingPlanOptions PlanOptions() => UpstreamStepCount
        ? TrainingPlanOptions.Upstream(Epochs, BatchSize)
        : new TrainingPlanOptions
        {
            Epochs = Epochs, BatchSize = BatchSize, MinOptimizerSteps = MinSteps, MinStepsPerEpoch = MinStepsPerEpoch,
            MaxEpochs = Math.Max(MaxEpochs, Epochs),
        };

    /// <summary>Throws ArgumentException naming the first bad value.</summary>
    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentException($"Epochs must be positive (got {Epochs}).");
        if (BatchSize <= 0) throw new ArgumentException($"Batch size must be positive (got {BatchSize}).");
        if (MaxSteps is <= 0) throw new ArgumentException($"Max steps must be positive (got {MaxSteps}).");
        if (!(Optimizer.AdamLearningRate >= 0) || !(Optimizer.MuonLearningRate >= 0))
            throw new ArgumentException("Learning rates must be non-negative numbers.");
        if (MaxEncLen < 2 || MaxDecLen < 3 || MaxGenLen < 1) throw new ArgumentException("MaxEncLen ≥ 2, MaxDecLen ≥ 3 and MaxGenLen ≥ 1 are required.");
        if (EvalBatchSize <= 0) throw new ArgumentException($"Eval batch size must be positive (got {EvalBatchSize}).");
        if (string.IsNullOrWhiteSpace(OutputDirectory)) throw new ArgumentException("An output directory is required.");
    }
}
