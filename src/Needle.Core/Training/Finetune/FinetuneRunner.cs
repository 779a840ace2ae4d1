namespace Needle.Core.Training.Finetune;

/// <summary>
/// The finetune run behind `needle finetune` and the web app's finetune job (needle-model.md §5.2, playground
/// B7–B8): validate → split and tokenize → base eval on test → train (epochs, epoch-end checkpoint, validation and
/// best-by-call-F1) → finetuned eval of the best checkpoint → bundle. Progress goes to an
/// <see cref="IProgress{T}"/> of <see cref="TrainingEvent"/>s (reported synchronously, in order, on the running
/// thread); cancellation ends the run with <see cref="FinetuneOutcome.Cancelled"/> and keeps the last good checkpoint.
/// Failures (bad data, files, non-finite loss) come back as a result, never as an exception; only caller bugs
/// (an invalid <see cref="FinetuneRequest"/>) throw ArgumentException.
/// </summary>
public sealed class FinetuneRunner(IFinetuneEngine? engine = null)
{
    private readonly IFinetuneEngine _engine = engine ?? new NeedleFinetuneEngine();

    /// <summary>Runs on the thread pool; see <see cref="Run"/>.</summary>
    public Task<FinetuneResult> RunAsync(FinetuneRequest request, IProgress<TrainingEvent>? progress = null,
                                         CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return Task.Run(() => Run(request, progress, cancellationToken), CancellationToken.None);
    }

    /// <summary>Runs the whole pipeline on the calling thread.</summary>
    public FinetuneResult Run(FinetuneRequest request, IProgress<TrainingEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return new FinetuneRun(_engine, request, progress, cancellationToken).Execute();
    }
}
