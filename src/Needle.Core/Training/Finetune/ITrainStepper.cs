using Needle.Core.Checkpoints;
using Needle.Core.Model;

namespace Needle.Core.Training.Finetune;

/// <summary>
/// What one optimizer step did. <see cref="Applied"/> is false when the step found a non-finite loss or gradient and
/// left the weights as they were (the runner then stops and keeps the weights as the last good state).
/// </summary>
public sealed record TrainStepResult(double Loss, double GradNorm, double AdamLearningRate, double MuonLearningRate, bool Applied = true)
{
    public bool IsFinite => double.IsFinite(Loss) && double.IsFinite(GradNorm);
}

/// <summary>Validation sums over a batch (§4.2): uniform weights, no z-loss, no dropout.</summary>
public readonly record struct ValidationSums(double LossSum, int Tokens);

/// <summary>How the trainer is built: the starting weights, the run length (for the schedules) and the knobs.</summary>
public sealed record TrainerSetup
{
    /// <summary>The starting checkpoint's parameters (float32 copies; the trainer may take ownership).</summary>
    public required IReadOnlyDictionary<string, NdArray> Parameters { get; init; }
    public required NeedleConfig Config { get; init; }
    /// <summary>Optimizer steps the schedules span (warmup and decay are fractions of it).</summary>
    public required int TotalSteps { get; init; }
    public OptimizerSettings Optimizer { get; init; } = new();
    public LossWeights Weights { get; init; } = LossWeights.Finetune;
    /// <summary>Dropout at <see cref="NeedleConfig.DropoutRate"/> during training steps (upstream: on).</summary>
    public bool Dropout { get; init; } = true;
    /// <summary>Seeds dropout masks so a run is reproducible.</summary>
    public int Seed { get; init; } = 42;
}

/// <summary>
/// The training engine as the finetune loop sees it: one call = forward, loss (§4.1), backward, clip and optimizer
/// update (§5.4) on one batch of packed rows. Implementations hold the weights and the optimizer state.
/// </summary>
public interface ITrainStepper : IDisposable
{
    /// <summary>
    /// One optimizer step. <paramref name="step"/> is the number of steps already done (0-based; QAT and contrastive
    /// steps are keyed on it). Must not apply an update when the loss or gradient norm is non-finite.
    /// </summary>
    TrainStepResult Step(TrainBatch batch, int step, CancellationToken cancellationToken);

    /// <summary>Validation loss sums on a batch, optionally with INT4 fake-quantized kernels; null when unsupported.</summary>
    ValidationSums? Evaluate(TrainBatch batch, bool fakeQuantized);

    /// <summary>A float32 copy of the current weights, keyed by checkpoint path (§1.3).</summary>
    IReadOnlyDictionary<string, NdArray> Snapshot();
}
