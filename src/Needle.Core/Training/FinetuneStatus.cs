using Needle.Core.Data;

namespace Needle.Core.Training;

/// <summary>
/// The state of one finetune run as the playground shows it (playground-reference.md B7's status object), built by
/// applying <see cref="TrainingEvent"/>s: running flag, phase, a log capped at the last 2000 lines, latest progress,
/// validation report, base/finetuned metrics and the bundle name. Thread-safe; <see cref="Snapshot"/> for readers.
/// </summary>
public sealed class FinetuneStatus
{
    public const int MaxLogLines = 2000;

    private readonly object _gate = new();
    private readonly LinkedList<string> _log = new();

    public bool Running { get; private set; }
    public TrainingPhase Phase { get; private set; } = TrainingPhase.Starting;
    public StepCompleted? LastStep { get; private set; }
    public EpochCompleted? LastEpoch { get; private set; }
    public ToolEvalMetrics? BaseEval { get; private set; }
    public ToolEvalMetrics? FinetunedEval { get; private set; }
    public DataValidationReport? Validation { get; private set; }
    public string? Bundle { get; private set; }
    public string? Error { get; private set; }
    public LossHistory History { get; } = new();

    /// <summary>Resets for a new run (upstream: running=true, step "starting", everything else cleared).</summary>
    public void Start()
    {
        lock (_gate)
        {
            Running = true; Phase = TrainingPhase.Starting; LastStep = null; LastEpoch = null; BaseEval = null; FinetunedEval = null;
            Validation = null; Bundle = null; Error = null; _log.Clear(); History.Train.Clear(); History.Val.Clear();
        }
    }

    public void Apply(TrainingEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        lock (_gate)
        {
            switch (e)
            {
                case PhaseChanged p:
                    Phase = p.Phase;
                    if (p.Message.Length > 0) AddLog(p.Message);
                    if (p.Phase is TrainingPhase.Done or TrainingPhase.Failed or TrainingPhase.Cancelled) Running = false;
                    if (p.Phase == TrainingPhase.Failed) Error = p.Message;
                    break;
                case StepCompleted s: LastStep = s; History.Add(s); break;
                case EpochCompleted ep: LastEpoch = ep; History.Add(ep); break;
                case EvalCompleted ev when ev.Which == "base": BaseEval = ev.Metrics; break;
                case EvalCompleted ev: FinetunedEval = ev.Metrics; break;
                case TrainingLog l: AddLog(l.Text); break;
            }
        }
    }

    public void SetValidation(DataValidationReport report) { lock (_gate) Validation = report; }

    /// <summary>Marks the run done with its bundle file name (or none when no checkpoint was produced).</summary>
    public void Complete(string? bundleName)
    {
        lock (_gate) { Bundle = bundleName; Phase = TrainingPhase.Done; Running = false; }
    }

    public IReadOnlyList<string> Log { get { lock (_gate) return _log.ToList(); } }

    /// <summary>A consistent copy for a status endpoint.</summary>
    public FinetuneStatusSnapshot Snapshot()
    {
        lock (_gate)
            return new FinetuneStatusSnapshot(Running, Phase, _log.ToList(), Bundle, Validation, FinetunedEval, BaseEval, LastStep, LastEpoch, Error);
    }

    private void AddLog(string line)
    {
        foreach (var l in line.Split('\n'))
        {
            _log.AddLast(l);
            if (_log.Count > MaxLogLines) _log.RemoveFirst();
        }
    }
}

/// <summary>B7's status fields (plus our progress and error) at one moment.</summary>
public sealed record FinetuneStatusSnapshot(
    bool Running, TrainingPhase Phase, IReadOnlyList<string> Log, string? Checkpoint, DataValidationReport? Validation,
    ToolEvalMetrics? EvalResults, ToolEvalMetrics? BaseEval, StepCompleted? Progress, EpochCompleted? LastEpoch, string? Error);
