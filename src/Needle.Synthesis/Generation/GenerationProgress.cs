namespace Needle.Synthesis.Generation;

public enum GenerationEventKind
{
    BatchStarted,
    BatchFailed,
    ExampleAccepted,
    ExampleRejected,
    Finished,
}

/// <summary>
/// One progress event with the running totals. <see cref="Generated"/> counts raw examples received;
/// <see cref="Accepted"/> counts unique valid ones; <see cref="Rejected"/> includes duplicates.
/// </summary>
public sealed record GenerationProgress(
    GenerationEventKind Kind,
    int Target,
    int Generated,
    int Accepted,
    int Rejected,
    int Duplicates,
    int BatchesSubmitted,
    int FailedBatches,
    int BatchIndex,
    string? Reason = null,
    string? Query = null);
