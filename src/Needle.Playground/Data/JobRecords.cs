using System.Text.Json;

namespace Needle.Playground.Data;

/// <summary>One row of the jobs table: what the list pages and GET /api/jobs show.</summary>
public sealed record JobSummary(
    string Id,
    string Kind,
    JobStatus Status,
    string? Phase,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    JsonElement? Settings,
    JsonElement? Metrics,
    string? Error)
{
    /// <summary>Wall time so far (running) or in total (finished); null before the job starts.</summary>
    public TimeSpan? Duration(DateTimeOffset now) => StartedAt is { } s ? (FinishedAt ?? now) - s : null;
}

/// <summary>A log line as the job wrote it.</summary>
public sealed record JobLogLine(long Seq, DateTimeOffset At, string Line);

/// <summary>One point of a curve: series "train" or "val" (loss), x = step.</summary>
public sealed record JobPoint(string Series, long Step, double Value);

/// <summary>A job with its log and curves: the detail page and GET /api/jobs/{id}.</summary>
public sealed record JobDetail(JobSummary Job, IReadOnlyList<JobLogLine> Log, IReadOnlyList<JobPoint> Points);
