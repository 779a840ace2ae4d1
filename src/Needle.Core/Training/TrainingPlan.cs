namespace Needle.Core.Training;

/// <summary>Requested run length and the floor we enforce (see <see cref="TrainingPlan"/>).</summary>
public sealed record TrainingPlanOptions
{
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 64;

    /// <summary>Never fewer optimizer steps than this (0 disables the floor and reproduces upstream exactly).</summary>
    public int MinOptimizerSteps { get; init; } = 20;

    /// <summary>The batch shrinks so one epoch has at least this many steps (when there are that many bins).</summary>
    public int MinStepsPerEpoch { get; init; } = 4;

    /// <summary>Epochs are raised to reach the step floor, but never beyond this.</summary>
    public int MaxEpochs { get; init; } = 10;

    /// <summary>Upstream's exact arithmetic: batch and epochs as given, 0 steps possible.</summary>
    public static TrainingPlanOptions Upstream(int epochs = 1, int batchSize = 64) =>
        new() { Epochs = epochs, BatchSize = batchSize, MinOptimizerSteps = 0, MinStepsPerEpoch = 0, MaxEpochs = epochs };
}

/// <summary>
/// How many optimizer steps a finetune takes. Upstream uses floor(bins / batch) × epochs, which is 0 for small data
/// sets (100 examples pack into ~17 bins; batch 32 → no update at all, §10 #4). Our rule, applied only when upstream
/// would take too few steps:
/// <list type="number">
/// <item>batch = min(requested, max(1, bins / MinStepsPerEpoch)), so one epoch has ≥ MinStepsPerEpoch steps
///       whenever there are that many bins (and always ≥ 1 step);</item>
/// <item>epochs = max(requested, ceil(MinOptimizerSteps / stepsPerEpoch)), capped at MaxEpochs.</item>
/// </list>
/// Warmup/decay follow from the total via <see cref="WsdSchedule"/>. Every change is listed in <see cref="Adjustments"/>.
/// </summary>
public sealed record TrainingPlan(
    int Bins, int BatchSize, int StepsPerEpoch, int Epochs, int TotalSteps, int WarmupSteps, int StableSteps, int DecaySteps,
    IReadOnlyList<string> Adjustments)
{
    public static TrainingPlan Create(int trainBins, TrainingPlanOptions? options = null)
    {
        options ??= new TrainingPlanOptions();
        if (trainBins < 0) throw new ArgumentOutOfRangeException(nameof(trainBins));
        if (options.BatchSize <= 0) throw new ArgumentException("Batch size must be positive.", nameof(options));
        if (options.Epochs <= 0) throw new ArgumentException("Epochs must be positive.", nameof(options));
        var notes = new List<string>();
        int batch = options.BatchSize, epochs = options.Epochs;
        bool enforce = options.MinOptimizerSteps > 0 || options.MinStepsPerEpoch > 0;
        if (enforce && trainBins > 0)
        {
            int cap = Math.Max(1, options.MinStepsPerEpoch > 0 ? trainBins / options.MinStepsPerEpoch : trainBins);
            if (batch > cap)
            {
                notes.Add($"Batch size lowered from {batch} to {cap}: {trainBins} packed rows would give {trainBins / batch} steps per epoch.");
                batch = cap;
            }
        }
        int perEpoch = trainBins / batch;
        if (enforce && perEpoch > 0 && perEpoch * epochs < options.MinOptimizerSteps)
        {
            int want = Math.Min(Math.Max(options.MaxEpochs, epochs), (options.MinOptimizerSteps + perEpoch - 1) / perEpoch);
            if (want > epochs)
            {
                notes.Add($"Epochs raised from {epochs} to {want} to reach at least {Math.Min(options.MinOptimizerSteps, want * perEpoch)} optimizer steps.");
                epochs = want;
            }
        }
        int total = perEpoch * epochs;
        var s = new WsdSchedule(1, total);
        return new TrainingPlan(trainBins, batch, perEpoch, epochs, total, s.WarmupSteps, s.StableSteps, s.DecaySteps, notes);
    }
}
