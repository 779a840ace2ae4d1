using System.Text.Json;

namespace Needle.Playground.Data;

/// <summary>Durable job history. Every method is safe to call from the worker and from requests at the same time.</summary>
public interface IJobStore
{
    /// <summary>Creates the schema if needed and turns jobs a previous process left queued/running into interrupted.</summary>
    /// <returns>How many jobs were marked interrupted.</returns>
    int Initialize();

    JobSummary Create(string kind, JsonElement? settings);
    JobSummary? Get(string id);
    JobDetail? GetDetail(string id, int maxLogLines = 2000);
    IReadOnlyList<JobSummary> List(int limit = 200);

    /// <summary>Moves a job to a status; sets started/finished times as the status implies. Returns false if unknown.</summary>
    bool SetStatus(string id, JobStatus status, string? error = null);

    /// <summary>Moves a job only if it is currently in <paramref name="from"/> (e.g. queued → running). Returns whether it moved.</summary>
    bool TryTransition(string id, JobStatus from, JobStatus to, string? error = null);

    void SetPhase(string id, string phase);
    void SetMetrics(string id, JsonElement metrics);
    /// <returns>The line's sequence number within the job (1, 2, ...).</returns>
    long AppendLog(string id, string line);
    void AddPoint(string id, JobPoint point);
}
