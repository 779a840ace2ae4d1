using Needle.Core.Data;
using Needle.Core.Training;
using Needle.Core.Training.Finetune;

namespace Needle.Playground.Finetune;

/// <summary>A finetune job's metrics (JobContext.SetMetrics): scalars first (the generic table), then the eval details.</summary>
public sealed record FinetuneMetrics
{
    public string? BaseModel { get; init; }
    public string? Provider { get; init; }
    public int? Examples { get; init; }
    public int? Step { get; init; }
    public int? TotalSteps { get; init; }
    public int? Epoch { get; init; }
    public double? Loss { get; init; }
    public double? LearningRate { get; init; }
    public double? TokensPerSecond { get; init; }
    public string? Eta { get; init; }
    public string? Checkpoint { get; init; }
    public string? Bundle { get; init; }

    public EvalSummary? Base { get; init; }
    public EvalSummary? Finetuned { get; init; }
    public DataValidationReport? Validation { get; init; }
    public SplitSummary? Split { get; init; }
}

/// <summary>The five upstream metrics, per-tool accuracy and a few failing examples.</summary>
public sealed record EvalSummary(
    double CallF1, double NameF1, double ExactMatch, double ParseRate, double ArgsAcc, int N,
    IReadOnlyDictionary<string, ToolScore> PerTool, IReadOnlyList<EvalFailure> Failures)
{
    public const int MaxFailures = 8;

    public static EvalSummary? From(ToolEvalMetrics? m) => m is null ? null
        : new(m.CallF1, m.NameF1, m.ExactMatch, m.ParseRate, m.ArgsAcc, m.N, m.PerTool, m.Failures.Take(MaxFailures).ToList());
}
