using Microsoft.Extensions.Options;
using Needle.Playground.Data;
using Needle.Playground.Options;

namespace Needle.Playground.Jobs;

/// <summary>
/// Drains the job queue: <c>Needle:Jobs:MaxConcurrent</c> loops (one by default), each running one job at a time.
/// A job that throws is recorded as failed and the loop carries on; shutdown marks a running job interrupted.
/// </summary>
public sealed class JobWorker(
    JobQueue queue,
    IJobStore store,
    IEnumerable<IJobRunner> runners,
    JobEventPublisher events,
    IOptions<NeedleOptions> options,
    ILogger<JobWorker> logger) : BackgroundService
{
    private readonly Dictionary<string, IJobRunner> _runners = runners.ToDictionary(r => r.Kind, StringComparer.Ordinal);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Jobs.MaxConcurrent).Select(_ => Task.Run(() => DrainAsync(stoppingToken), CancellationToken.None)));

    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var jobId in queue.Reader.ReadAllAsync(stoppingToken))
                await RunOneAsync(jobId, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task RunOneAsync(string jobId, CancellationToken stoppingToken)
    {
        // A job cancelled while it waited is no longer queued: skip it.
        var secrets = queue.TakeSecrets(jobId);
        if (!store.TryTransition(jobId, JobStatus.Queued, JobStatus.Running)) return;
        var job = store.Get(jobId)!;
        Publish(jobId, JobStatus.Running, null);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        queue.MarkRunning(jobId, cts);
        var workDir = Path.Combine(options.Value.DataDir, "jobs", jobId);
        var context = new JobContext(job, store, events, workDir, secrets);
        JobStatus outcome;
        string? error = null;
        try
        {
            if (!_runners.TryGetValue(job.Kind, out var runner))
                throw new NotSupportedException($"This build has no runner for job kind '{job.Kind}'. Known kinds: {string.Join(", ", _runners.Keys)}.");
            Directory.CreateDirectory(workDir);
            // Task.Run: a runner that computes synchronously must not hold the loop's thread or the caller's context.
            await Task.Run(() => runner.RunAsync(context, cts.Token), CancellationToken.None);
            outcome = JobStatus.Succeeded;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            outcome = JobStatus.Interrupted;
            error = "The app stopped while this job ran. Restart it to run it again.";
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            outcome = JobStatus.Cancelled;
            error = "Cancelled by the user.";
        }
        catch (Exception ex)
        {
            outcome = JobStatus.Failed;
            error = ex.Message;
            logger.LogError(ex, "Job {JobId} ({Kind}) failed", jobId, job.Kind);
        }
        finally
        {
            queue.MarkDone(jobId);
        }

        if (error is not null) TryLog(context, outcome == JobStatus.Failed ? $"Error: {error}" : error);
        store.SetStatus(jobId, outcome, outcome == JobStatus.Succeeded ? null : error);
        Publish(jobId, outcome, error);
    }

    private void TryLog(JobContext context, string line)
    {
        try { context.Log(line); }
        catch (Exception ex) { logger.LogWarning(ex, "Could not log to job {JobId}", context.JobId); }
    }

    private void Publish(string jobId, JobStatus status, string? error) =>
        events.Publish(new JobEvent(jobId, "status", DateTimeOffset.UtcNow, Status: status.ToName(), Error: error));
}
