using System.Text.Json;
using Needle.Playground.Data;

namespace Needle.Playground.Jobs;

/// <summary>
/// A running job's reporting surface. Every call persists to the job store and is pushed to the job's hub group.
/// Calls are synchronous and cheap (one SQLite row), so a CPU-bound training loop can call them directly.
/// </summary>
public sealed class JobContext
{
    private readonly IJobStore _store;
    private readonly JobEventPublisher _events;

    internal JobContext(JobSummary job, IJobStore store, JobEventPublisher events, string workDir, IReadOnlyDictionary<string, string>? secrets = null)
    {
        Secrets = secrets ?? new Dictionary<string, string>();
        Job = job;
        _store = store;
        _events = events;
        WorkDir = workDir;
    }

    public JobSummary Job { get; }
    public string JobId => Job.Id;

    /// <summary>The job's settings as JSON (an empty object when none were given).</summary>
    public JsonElement Settings => Job.Settings ?? EmptyObject;

    /// <summary>
    /// Values given at start that must never be stored (API keys). Only in memory: a restarted or interrupted job has
    /// none, so a runner that needs one fails with a message asking for it.
    /// </summary>
    public IReadOnlyDictionary<string, string> Secrets { get; }

    /// <summary>A folder under DataDir/jobs/ that belongs to this job (datasets, temporary checkpoints).</summary>
    public string WorkDir { get; }

    /// <summary>Reads the settings into a record (web JSON naming: camelCase, case-insensitive).</summary>
    public T GetSettings<T>() where T : new() =>
        Settings.ValueKind == JsonValueKind.Object ? Settings.Deserialize<T>(JsonDefaults.Web) ?? new T() : new T();

    /// <summary>The step of the pipeline the job is in, e.g. "generating data", "training".</summary>
    public void SetPhase(string phase)
    {
        _store.SetPhase(JobId, phase);
        _events.Publish(new JobEvent(JobId, "phase", DateTimeOffset.UtcNow, Phase: phase));
    }

    public void Log(string line)
    {
        var seq = _store.AppendLog(JobId, line);
        _events.Publish(new JobEvent(JobId, "log", DateTimeOffset.UtcNow, Line: line, Seq: seq));
    }

    /// <summary>One point of a curve: <paramref name="series"/> "train" or "val" loss at <paramref name="step"/>.</summary>
    public void ReportPoint(string series, long step, double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"Loss point {series}@{step} is not finite ({value}).", nameof(value));
        _store.AddPoint(JobId, new JobPoint(series, step, value));
        _events.Publish(new JobEvent(JobId, "point", DateTimeOffset.UtcNow, Series: series, Step: step, Value: value));
    }

    /// <summary>Replaces the job's metrics (any JSON-serialisable object, e.g. base/finetuned eval).</summary>
    public void SetMetrics(object metrics)
    {
        var json = JsonSerializer.SerializeToElement(metrics, JsonDefaults.Web);
        _store.SetMetrics(JobId, json);
        _events.Publish(new JobEvent(JobId, "metrics", DateTimeOffset.UtcNow, Metrics: json));
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
}
