using Needle.Core.Checkpoints;
using Needle.Core.Inference;
using Needle.Core.Model;

namespace Needle.Core.Training.Finetune;

/// <summary>
/// The compute the finetune run needs: a model to generate with (base, epoch and best checkpoints) and a trainer.
/// The runner only orchestrates; tests drive it with fakes through this seam.
/// </summary>
public interface IFinetuneEngine
{
    /// <summary>An inference model for the given weights; disposed by the caller when it is <see cref="IDisposable"/>.</summary>
    INeedleModel CreateModel(CheckpointData checkpoint, string name);

    /// <summary>A trainer starting from <see cref="TrainerSetup.Parameters"/>.</summary>
    ITrainStepper CreateTrainer(TrainerSetup setup);
}

/// <summary>
/// The real engine: <see cref="SimpleAttentionNetwork"/> for generation, and the trainer given by
/// <paramref name="trainerFactory"/> (the whole-model trainer of the backward pass).
/// </summary>
public sealed class NeedleFinetuneEngine(Func<TrainerSetup, ITrainStepper>? trainerFactory = null) : IFinetuneEngine
{
    /// <summary>The trainer used when none is passed; set once by the assembly that provides the backward pass.</summary>
    public static Func<TrainerSetup, ITrainStepper>? DefaultTrainerFactory { get; set; }

    public INeedleModel CreateModel(CheckpointData checkpoint, string name) => SimpleAttentionNetwork.FromCheckpoint(checkpoint, name);

    public ITrainStepper CreateTrainer(TrainerSetup setup)
    {
        var factory = trainerFactory ?? DefaultTrainerFactory
            ?? throw new NotSupportedException("No training engine is available in this build (the backward pass is missing).");
        return factory(setup);
    }
}
