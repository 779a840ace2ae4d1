using Needle.Playground.Jobs;

namespace Needle.Playground.Tests.Jobs;

/// <summary>A test job kind that waits until the test opens its gate, so a test can act while it is running.</summary>
public sealed class GatedJobRunner : IJobRunner
{
    public const string KindName = "gated";

    public string Kind => KindName;
    public string DisplayName => "Gated test job";

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        context.SetPhase("waiting");
        context.Log("gated job started");
        Started.TrySetResult();
        await Gate.Task.WaitAsync(ct);
        context.SetPhase("training");
        context.ReportPoint("train", 1, 2.5);
        context.ReportPoint("train", 2, 1.5);
        context.ReportPoint("val", 2, 1.75);
        context.SetMetrics(new { finalLoss = 1.5 });
        context.Log("gated job done");
    }
}
