using System.Text.Json;
using Needle.Playground.Data;
using Needle.Playground.Services;

namespace Needle.Playground.Jobs;

public sealed class JobService(IJobStore store, JobQueue queue, IEnumerable<IJobRunner> runners, JobEventPublisher events) : IJobService
{
    public IReadOnlyList<JobKindInfo> Kinds { get; } = runners.Select(r => new JobKindInfo(r.Kind, r.DisplayName)).ToArray();

    public JobSummary Start(string kind, JsonElement? settings = null, IReadOnlyDictionary<string, string>? secrets = null)
    {
        if (Kinds.All(k => k.Kind != kind))
            throw new ArgumentException($"Unknown job kind '{kind}'. Known kinds: {string.Join(", ", Kinds.Select(k => k.Kind))}.");
        if (settings is { ValueKind: not JsonValueKind.Object })
            throw new ArgumentException("Job settings must be a JSON object.");
        var job = store.Create(kind, settings);
        if (!queue.TryEnqueue(job.Id, secrets))
        {
            store.SetStatus(job.Id, JobStatus.Failed, "The job queue was full.");
            throw new JobQueueFullException(queue.Capacity);
        }
        return job;
    }

    public CancelOutcome Cancel(string id)
    {
        var job = store.Get(id);
        if (job is null) return CancelOutcome.NotFound;
        if (store.TryTransition(id, JobStatus.Queued, JobStatus.Cancelled, "Cancelled before it started."))
        {
            queue.DropSecrets(id);
            events.Publish(new JobEvent(id, "status", DateTimeOffset.UtcNow, Status: JobStatus.Cancelled.ToName(), Error: "Cancelled before it started."));
            return CancelOutcome.Cancelled;
        }
        // The worker records the outcome once the runner observes the token.
        if (queue.TryCancelRunning(id)) return CancelOutcome.Cancelling;
        return CancelOutcome.AlreadyFinished;
    }

    public JobSummary? Restart(string id)
    {
        var job = store.Get(id);
        if (job is null) return null;
        if (job.Status.IsActive())
            throw new InvalidOperationException($"Job {id} is still {job.Status.ToName()}; cancel it before restarting.");
        var again = Start(job.Kind, job.Settings);
        store.AppendLog(again.Id, $"Restarted from job {id} ({job.Status.ToName()}).");
        return again;
    }

    public IReadOnlyList<JobSummary> List(int limit = 200) => store.List(limit);
    public JobSummary? Get(string id) => store.Get(id);
    public JobDetail? GetDetail(string id) => store.GetDetail(id);

    public string DisplayName(string kind) => Kinds.FirstOrDefault(k => k.Kind == kind)?.DisplayName ?? kind;
}
