namespace Needle.Playground.Jobs;

/// <summary>
/// One kind of long-running work (finetune, data generation, the self-test). The worker runs it outside any request,
/// one job at a time by default. Report progress through <see cref="JobContext"/>; throw to fail (the message becomes
/// the job's error, so make it say what went wrong and how to fix it); observe <paramref name="ct"/> to be cancellable.
/// </summary>
public interface IJobRunner
{
    /// <summary>Stable name stored with each job, e.g. "finetune" or "selftest".</summary>
    string Kind { get; }

    /// <summary>What the pages call it.</summary>
    string DisplayName { get; }

    Task RunAsync(JobContext context, CancellationToken ct);
}
