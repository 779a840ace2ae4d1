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
/// The real engine: <see cref="SimpleAttentionNetwork"/> for generation and <see cref="NeedleTrainStepper"/> (the
/// whole-model <see cref="NeedleTrainer"/>) for training, unless another trainer factory is given.
/// </summary>
public sealed class NeedleFinetuneEngine(Func<TrainerSetup, ITrainStepper>? trainerFactory = null) : IFinetuneEngine
{
    public INeedleModel CreateModel(CheckpointData checkpoint, string name) => SimpleAttentionNetwork.FromCheckpoint(checkpoint, name);

    public ITrainStepper CreateTrainer(TrainerSetup setup) => trainerFactory?.Invoke(setup) ?? new NeedleTrainStepper(setup);
}
