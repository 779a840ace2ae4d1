using Needle.Core.Checkpoints;
using Needle.Core.Model;

namespace Needle.Core.Training.Finetune;

/// <summary>The real <see cref="ITrainStepper"/>: the whole-model <see cref="NeedleTrainer"/> (backward pass + optimizer chain).</summary>
public sealed class NeedleTrainStepper : ITrainStepper
{
    private readonly NeedleTrainer _trainer;

    public NeedleTrainStepper(TrainerSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var weights = NeedleWeights.FromDictionary(setup.Parameters, setup.Config, "base checkpoint");
        _trainer = new NeedleTrainer(weights, new TrainerOptions
        {
            Seed = setup.Seed,
            DropoutRate = setup.Dropout ? null : 0.0,
            TotalSteps = Math.Max(1, setup.TotalSteps),
            Optimizer = setup.Optimizer,
            LossWeights = setup.Weights,
        });
    }

    public NeedleTrainer Trainer => _trainer;

    public TrainStepResult Step(TrainBatch batch, int step, CancellationToken cancellationToken)
    {
        if (step != _trainer.StepCount)
            throw new ArgumentException($"Step {step} requested but the trainer has done {_trainer.StepCount}.", nameof(step));
        var r = _trainer.Step(batch, cancellationToken);
        return new TrainStepResult(r.Loss, r.GradNorm, r.AdamLearningRate, r.MuonLearningRate, Applied: !r.NonFinite);
    }

    public ValidationSums? Evaluate(TrainBatch batch, bool fakeQuantized)
    {
        var (sum, tokens) = _trainer.EvalSums(batch, fakeQuantized);
        return new ValidationSums(sum, tokens);
    }

    public IReadOnlyDictionary<string, NdArray> Snapshot() =>
        _trainer.Weights.Params.ToDictionary(kv => kv.Key, kv => new NdArray(kv.Value.Shape.ToArray(), kv.Value.Data.ToArray()), StringComparer.Ordinal);

    public void Dispose() { }
}
