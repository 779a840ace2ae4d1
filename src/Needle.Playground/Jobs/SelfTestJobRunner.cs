namespace Needle.Playground.Jobs;

/// <summary>
/// A model-free job that exercises the whole job path (queue, worker, SQLite, hub, chart) with a SYNTHETIC loss curve:
/// an exponential decay plus a little deterministic wobble. It trains nothing.
/// </summary>
public sealed class SelfTestJobRunner : IJobRunner
{
    public const string KindName = Services.JobKinds.SelfTest;

    public string Kind => KindName;
    public string DisplayName => "Self-test (synthetic loss curve)";

    public sealed class Settings
    {
        /// <summary>Points on the synthetic curve (1–1000).</summary>
        public int Steps { get; set; } = 80;

        /// <summary>Pause between points, so the curve visibly grows (0–1000 ms).</summary>
        public int IntervalMs { get; set; } = 50;

        /// <summary>When set, the job fails at this step: shows what a failed job looks like.</summary>
        public int? FailAtStep { get; set; }
    }

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        var s = context.GetSettings<Settings>();
        if (s.Steps is < 1 or > 1000) throw new ArgumentException($"steps must be between 1 and 1000 (got {s.Steps}).");
        if (s.IntervalMs is < 0 or > 1000) throw new ArgumentException($"intervalMs must be between 0 and 1000 (got {s.IntervalMs}).");

        context.SetPhase("warming up");
        context.Log($"Self-test: {s.Steps} synthetic steps, {s.IntervalMs} ms apart. No model is trained.");
        context.SetPhase("training");
        var evalEvery = Math.Max(1, s.Steps / 8);
        double loss = 0;
        for (var step = 1; step <= s.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            if (step == s.FailAtStep) throw new InvalidOperationException($"Self-test failed on purpose at step {step} (failAtStep).");
            loss = Loss(step, s.Steps);
            context.ReportPoint("train", step, loss);
            if (step % evalEvery == 0 || step == s.Steps)
            {
                var val = loss * 1.08 + 0.02;
                context.ReportPoint("val", step, val);
                context.Log($"  step {step}/{s.Steps}  loss {loss:F4}  val {val:F4}");
            }
            if (s.IntervalMs > 0) await Task.Delay(s.IntervalMs, ct);
        }
        context.SetPhase("evaluating");
        context.SetMetrics(new { finalLoss = Math.Round(loss, 4), steps = s.Steps, synthetic = true });
        context.Log("Self-test done.");
        context.SetPhase("done");
    }

    /// <summary>2.4·e^(−4t) + 0.35 with a ±3 % wobble, t = step / steps: decreasing on average, never flat.</summary>
    internal static double Loss(int step, int steps)
    {
        var t = (double)step / steps;
        return (2.4 * Math.Exp(-4 * t) + 0.35) * (1 + 0.03 * Math.Sin(step * 1.7));
    }
}
