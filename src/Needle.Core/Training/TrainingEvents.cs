using System.Text.Json;
using System.Text.Json.Serialization;

namespace Needle.Core.Training;

/// <summary>Where a finetune run is (playground-reference.md B7 steps, plus our own).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingPhase>))]
public enum TrainingPhase
{
    Starting,
    GeneratingData,
    Validating,
    Tokenizing,
    EvaluatingBase,
    Training,
    EvaluatingFinetuned,
    Bundling,
    Done,
    Failed,
    Cancelled,
}

/// <summary>
/// What the finetune loop reports to its listeners (CLI progress bar, web app hub, job log). Serialize with
/// <see cref="TrainingEventJson"/>; the "type" field tells the kinds apart.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(PhaseChanged), "phase")]
[JsonDerivedType(typeof(StepCompleted), "step")]
[JsonDerivedType(typeof(EpochCompleted), "epoch")]
[JsonDerivedType(typeof(EvalCompleted), "eval")]
[JsonDerivedType(typeof(TrainingLog), "log")]
public abstract record TrainingEvent
{
    public DateTimeOffset Time { get; init; } = DateTimeOffset.UtcNow;
}

public sealed record PhaseChanged(TrainingPhase Phase, string Message) : TrainingEvent;

/// <summary>One optimizer step: <see cref="Step"/> is 1-based (steps done after this one).</summary>
public sealed record StepCompleted(
    int Step, int TotalSteps, int Epoch, int Epochs, double Loss, double AdamLearningRate, double MuonLearningRate,
    double GradNorm, double TokensPerSecond, TimeSpan Elapsed, TimeSpan? Eta) : TrainingEvent
{
    public double Fraction => TotalSteps == 0 ? 1 : (double)Step / TotalSteps;
}

/// <summary>Epoch end: mean train loss, validation perplexities, pool metrics, checkpoint, best flag.</summary>
public sealed record EpochCompleted(
    int Epoch, int Epochs, int Step, double TrainLoss, double? ValPerplexity, double? QuantValPerplexity,
    double? SingleCallF1, double? MultiCallF1, bool NewBest, string? CheckpointPath) : TrainingEvent;

/// <summary>Base or finetuned test-set evaluation (<see cref="QuickToolEval"/>); null metrics when there was nothing to score.</summary>
public sealed record EvalCompleted(string Which, ToolEvalMetrics? Metrics) : TrainingEvent;

public sealed record TrainingLog(string Text) : TrainingEvent;

/// <summary>JSON for events (camelCase, enums as strings, a "type" discriminator).</summary>
public static class TrainingEventJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(TrainingEvent e) => JsonSerializer.Serialize(e, Options);

    public static TrainingEvent? Deserialize(string json) => JsonSerializer.Deserialize<TrainingEvent>(json, Options);
}

/// <summary>Remaining time from the average step time so far (ignores the first, compile-like step when it can).</summary>
public sealed class EtaEstimator(int totalSteps)
{
    private readonly List<double> _stepSeconds = [];

    public void Record(TimeSpan stepTime) => _stepSeconds.Add(stepTime.TotalSeconds);

    public TimeSpan? Eta(int stepsDone)
    {
        if (_stepSeconds.Count == 0) return null;
        var s = _stepSeconds.Count > 2 ? _stepSeconds.Skip(1) : _stepSeconds;
        double avg = s.Average();
        return TimeSpan.FromSeconds(avg * Math.Max(0, totalSteps - stepsDone));
    }
}
