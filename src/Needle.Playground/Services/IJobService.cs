using System.Text.Json;
using Needle.Playground.Data;

namespace Needle.Playground.Services;

/// <summary>A kind of job this build can run.</summary>
public sealed record JobKindInfo(string Kind, string DisplayName);

public enum CancelOutcome { NotFound, AlreadyFinished, Cancelled, Cancelling }

/// <summary>The queue is full: the caller should try again once a job finishes.</summary>
public sealed class JobQueueFullException(int capacity)
    : Exception($"The job queue is full ({capacity} jobs waiting). Wait for a job to finish or cancel one, then try again.");

/// <summary>What pages and the HTTP API use to start, cancel, restart and read jobs.</summary>
public interface IJobService
{
    IReadOnlyList<JobKindInfo> Kinds { get; }

    /// <summary>Creates a queued job. <see cref="ArgumentException"/> for an unknown kind; <see cref="JobQueueFullException"/> when full.</summary>
    /// <param name="settings">Stored with the job and shown on its page: no secrets here.</param>
    /// <param name="secrets">API keys and the like: handed to the runner in memory only (JobContext.Secrets), never stored.</param>
    JobSummary Start(string kind, JsonElement? settings = null, IReadOnlyDictionary<string, string>? secrets = null);

    CancelOutcome Cancel(string id);

    /// <summary>Starts a new job with the same kind and settings as a finished one (e.g. an interrupted one).
    /// Null if the job is unknown; <see cref="InvalidOperationException"/> if it is still queued or running.</summary>
    JobSummary? Restart(string id);

    IReadOnlyList<JobSummary> List(int limit = 200);
    JobSummary? Get(string id);
    JobDetail? GetDetail(string id);
    string DisplayName(string kind);
}
