using System.Text.Json.Serialization;
using Needle.Core.Data;

namespace Needle.Core.Training.Finetune;

[JsonConverter(typeof(JsonStringEnumConverter<FinetuneOutcome>))]
public enum FinetuneOutcome
{
    /// <summary>Trained, evaluated and (when asked) bundled.</summary>
    Succeeded,
    /// <summary>The data cannot be trained on (see <see cref="FinetuneResult.Error"/> and the validation report).</summary>
    Refused,
    /// <summary>Stopped by an error, including a non-finite loss; the last good checkpoint (if any) is kept.</summary>
    Failed,
    /// <summary>Stopped by the caller's CancellationToken; the last good checkpoint (if any) is kept.</summary>
    Cancelled,
}

/// <summary>Sizes of the per-tool split and how many examples survived tokenization.</summary>
public sealed record SplitSummary(int Train, int Val, int Test, int TrainKept, int ValKept, bool UsedFallback);

/// <summary>Wall-clock time per phase.</summary>
public sealed record FinetuneTimings
{
    public TimeSpan Validate { get; init; }
    public TimeSpan Tokenize { get; init; }
    public TimeSpan BaseEval { get; init; }
    public TimeSpan Train { get; init; }
    public TimeSpan FinetunedEval { get; init; }
    public TimeSpan Bundle { get; init; }
    public TimeSpan Total { get; init; }
}

/// <summary>
/// How a finetune ended. Metrics are §6.1's (<see cref="ToolEvalMetrics.PerTool"/> per tool,
/// <see cref="ToolEvalMetrics.Failures"/> the failing test examples with query/expected/got).
/// </summary>
public sealed record FinetuneResult
{
    public required FinetuneOutcome Outcome { get; init; }
    /// <summary>Why the run did not succeed (null on success).</summary>
    public string? Error { get; init; }
    /// <summary>The exception behind <see cref="FinetuneOutcome.Failed"/>, for logs (not serialized).</summary>
    [JsonIgnore]
    public Exception? Exception { get; init; }
    public DataValidationReport? Validation { get; init; }
    public SplitSummary? Split { get; init; }
    public TrainingPlan? Plan { get; init; }
    public int StepsDone { get; init; }

    public ToolEvalMetrics? BaseMetrics { get; init; }
    public ToolEvalMetrics? FinetunedMetrics { get; init; }

    /// <summary>The checkpoint the finetuned eval used (…_best.pkl).</summary>
    public string? BestCheckpointPath { get; init; }
    /// <summary>The newest checkpoint whose weights are known good (an epoch end, or the state when the run stopped).</summary>
    public string? LastCheckpointPath { get; init; }
    public IReadOnlyList<string> Checkpoints { get; init; } = [];
    public string? BundlePath { get; init; }

    public LossHistory History { get; init; } = new();
    public FinetuneTimings Timings { get; init; } = new();

    public bool Succeeded => Outcome == FinetuneOutcome.Succeeded;

    /// <summary>
    /// For callers that fail by throwing (job runners): OperationCanceledException when cancelled,
    /// InvalidDataException when the data was refused, FinetuneFailedException otherwise; returns this on success.
    /// </summary>
    public FinetuneResult ThrowIfNotSucceeded() => Outcome switch
    {
        FinetuneOutcome.Succeeded => this,
        FinetuneOutcome.Cancelled => throw new OperationCanceledException(Error),
        FinetuneOutcome.Refused => throw new InvalidDataException(Error),
        _ => throw new FinetuneFailedException(Error ?? "The finetune failed.", this),
    };
}

/// <summary>A finetune that stopped on an error (including a non-finite loss); <see cref="Result"/> says what was kept.</summary>
public sealed class FinetuneFailedException(string message, FinetuneResult result) : Exception(message, result.Exception)
{
    public FinetuneResult Result { get; } = result;
}
