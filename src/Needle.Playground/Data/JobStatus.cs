namespace Needle.Playground.Data;

/// <summary>A job's lifecycle. Stored and sent as the lowercase name.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// <summary>Was queued or running when the previous process stopped; can be restarted.</summary>
    Interrupted,
}

public static class JobStatusNames
{
    public static string ToName(this JobStatus status) => status.ToString().ToLowerInvariant();

    public static JobStatus Parse(string name) =>
        Enum.TryParse<JobStatus>(name, ignoreCase: true, out var s) ? s
            : throw new InvalidDataException($"Job database holds an unknown status '{name}'.");

    /// <summary>Queued and running jobs can still change; the rest are history.</summary>
    public static bool IsActive(this JobStatus status) => status is JobStatus.Queued or JobStatus.Running;
}
