using Needle.Core.Training;
using Needle.Playground.Jobs;

namespace Needle.Playground.Finetune;

/// <summary>
/// Turns FinetuneRunner's events into the job's phase, log, loss points and metrics. Step metrics are pushed at most
/// every half second (each SetMetrics is a SQLite write); every loss point is kept.
/// </summary>
internal sealed class EventReporter(JobContext context, FinetuneMetrics initial) : IProgress<TrainingEvent>
{
    private DateTimeOffset _lastMetrics = DateTimeOffset.MinValue;
    private int _logEvery = 1;

    public FinetuneMetrics Metrics { get; private set; } = initial;

    public void Report(TrainingEvent e)
    {
        switch (e)
        {
            case PhaseChanged p:
                context.SetPhase(PhaseName(p.Phase));
                if (!string.IsNullOrWhiteSpace(p.Message)) context.Log(p.Message);
                break;
            case StepCompleted s:
                if (double.IsFinite(s.Loss)) context.ReportPoint("train", s.Step, s.Loss);
                _logEvery = Math.Max(1, s.TotalSteps / 50);
                if (s.Step % _logEvery == 0 || s.Step == s.TotalSteps) context.Log($"  step {s.Step}/{s.TotalSteps}  loss {s.Loss:F4}");
                Metrics = Metrics with
                {
                    Step = s.Step, TotalSteps = s.TotalSteps, Epoch = s.Epoch, Loss = Math.Round(s.Loss, 4),
                    LearningRate = s.AdamLearningRate, TokensPerSecond = Math.Round(s.TokensPerSecond),
                    Eta = s.Eta is { } eta ? $"{(int)eta.TotalMinutes}m {eta.Seconds:00}s" : null,
                };
                if (e.Time - _lastMetrics > TimeSpan.FromMilliseconds(500) || s.Step == s.TotalSteps)
                {
                    _lastMetrics = e.Time;
                    context.SetMetrics(Metrics);
                }
                break;
            case EpochCompleted ep:
                var val = ep.ValPerplexity is { } ppl && ppl > 0 ? Math.Log(ppl) : (double?)null;
                if (val is { } v && double.IsFinite(v)) context.ReportPoint("val", ep.Step, v);
                context.Log($"  epoch {ep.Epoch}/{ep.Epochs}  loss {ep.TrainLoss:F4}" + (val is { } vv ? $"  val {vv:F4}" : ""));
                break;
            case EvalCompleted ev:
                Metrics = ev.Which.StartsWith("base", StringComparison.OrdinalIgnoreCase)
                    ? Metrics with { Base = EvalSummary.From(ev.Metrics) }
                    : Metrics with { Finetuned = EvalSummary.From(ev.Metrics) };
                context.SetMetrics(Metrics);
                break;
            case TrainingLog l:
                context.Log(l.Text);
                break;
        }
    }

    internal static string PhaseName(TrainingPhase phase) => phase switch
    {
        TrainingPhase.GeneratingData => "generating data",
        TrainingPhase.Validating => "validating",
        TrainingPhase.Tokenizing => "tokenizing",
        TrainingPhase.EvaluatingBase => "evaluating base",
        TrainingPhase.Training => "training",
        TrainingPhase.EvaluatingFinetuned => "evaluating finetuned",
        TrainingPhase.Bundling => "bundling",
        _ => phase.ToString().ToLowerInvariant(),
    };
}
