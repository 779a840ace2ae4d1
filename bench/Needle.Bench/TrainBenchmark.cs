using System.Diagnostics;
using System.Globalization;
using Needle.Core.Model;
using Needle.Core.Training;
using Needle.Core.Training.Engine;

namespace Needle.Bench;

/// <summary>
/// Training throughput on the 26M config (B=16, encoder 256 / decoder 64 tokens, one segment per row, dropout on):
/// fwd+bwd alone, fwd+bwd+AdamW on every leaf (what the PyTorch peer times), and fwd+bwd+upstream's optimizer chain
/// (clip + Muon + AdamW), then the peer <c>pytorch_peer.py --what train</c> in the same run. Tokens = B·(S+T).
/// args: [--steps 5] [--batch 16] [--enc 256] [--dec 64] [--no-peer] [--profile (fwd+bwd+AdamW and its per-pass profile only)]
/// </summary>
public sealed class TrainBenchmark : IBenchmark
{
    public string Name => "train";
    public string Description => "training tokens/s, 26M config: ours (fwd+bwd, +AdamW, +Muon chain) vs PyTorch";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        int steps = Int(args, "--steps", 5), batch = Int(args, "--batch", 16), te = Int(args, "--enc", 256), td = Int(args, "--dec", 64);
        var config = NeedleConfig.Needle26M;
        var weights = NeedleWeights.RandomInit(config, 0);
        var rng = new Random(0);
        int Tok() => rng.Next(6, config.VocabSize);
        var b = new TrainBatch(batch, te, td,
            Enumerable.Range(0, batch * te).Select(_ => Tok()).ToArray(),
            Enumerable.Range(0, batch * td).Select(_ => Tok()).ToArray(),
            Enumerable.Range(0, batch * td).Select(_ => Tok()).ToArray(),
            new sbyte[batch * td], Enumerable.Repeat(1, batch * te).ToArray(), Enumerable.Repeat(1, batch * td).ToArray(),
            Enumerable.Range(0, batch).ToArray());
        var tokens = batch * (te + td);
        var trainer = new NeedleTrainer(weights, new TrainerOptions { TotalSteps = 1000 });
        var adam = new AdamW(_ => 3e-4, weightDecay: 0.1f);
        Console.WriteLine($"26M config ({weights.ParameterCount:N0} params), B={batch} S={te} T={td}, {steps} timed steps after 1 warm-up; " +
                          $"load average {LoadAverage()}");

        var profileOnly = args.Contains("--profile");
        if (!profileOnly)
        {
            var fwdBwd = Time(steps, () => trainer.ComputeGradients(b));
            Report("ours fwd+bwd", fwdBwd, tokens);
        }
        var withAdam = Time(steps, () => { trainer.ComputeGradients(b); adam.Step(trainer.Parameters); });
        Report("ours fwd+bwd+AdamW (all leaves)", withAdam, tokens);
        if (profileOnly)
        {
            // The per-pass profile of fwd+bwd+AdamW only (what the target measures), no peer.
            StepProfile.Reset();
            StepProfile.Enabled = true;
            var t = Time(1, () => { trainer.ComputeGradients(b); using (StepProfile.Time(StepProfile.Part.Optimizer, "AdamW")) adam.Step(trainer.Parameters); });
            StepProfile.Enabled = false;
            Console.WriteLine($"one profiled fwd+bwd+AdamW step ({t.Median:F3}s wall, 2 steps counted incl. warm-up): " +
                              string.Join(", ", StepProfile.Seconds().Select(kv => $"{kv.Key} {kv.Value / 2:F3}s")));
            foreach (var (label, seconds) in StepProfile.DetailSeconds())
                Console.WriteLine($"  {label,-48} {seconds / 2 * 1e3,8:F1} ms");
            return 0;
        }
        var full = Time(steps, () => trainer.Step(b, ct));
        Report("ours Step (clip + Muon + AdamW)", full, tokens);
        StepProfile.Reset();
        StepProfile.Enabled = true;
        var profiled = Time(1, () => trainer.Step(b, ct));
        StepProfile.Enabled = false;
        Console.WriteLine($"one profiled Step ({profiled.Median:F2}s wall, 2 steps counted incl. warm-up): " +
                          string.Join(", ", StepProfile.Seconds().Select(kv => $"{kv.Key} {kv.Value / 2:F2}s")));
        foreach (var (label, seconds) in StepProfile.DetailSeconds())
            Console.WriteLine($"  {label,-48} {seconds / 2 * 1e3,8:F1} ms");
        Console.WriteLine($"activation arena {trainer.ActivationBytes / 1e6:F0} MB; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");

        if (!args.Contains("--no-peer"))
        {
            var script = Path.Combine(FindRepoRoot(), "..", "..", "shared", "tools", "pytorch_peer.py");
            if (!File.Exists(script)) script = "/work/shared/tools/pytorch_peer.py";
            var output = await PeerProcess.RunAsync(script, $"--what train --batch {batch} --steps {steps}", ct);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Console.WriteLine("peer: " + line);
        }
        return 0;
    }

    /// <summary>Best and median wall seconds per step, and the median process CPU seconds per step (all threads).</summary>
    private static (double Best, double Median, double Cpu) Time(int steps, Action step)
    {
        step(); // warm-up: JIT, arena allocation, optimizer state
        var times = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        for (var i = 0; i < steps; i++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            step();
            times.Add(sw.Elapsed.TotalSeconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpu0).TotalSeconds);
        }
        times.Sort();
        cpu.Sort();
        return (times[0], times[times.Count / 2], cpu[cpu.Count / 2]);
    }

    /// <summary>Wall figures, plus CPU seconds per step: on a loaded machine tokens per CPU-second × cores is the
    /// better estimate of what a quiet machine would do (it ignores time spent waiting for a core).</summary>
    private static void Report(string what, (double Best, double Median, double Cpu) t, int tokens) =>
        Console.WriteLine($"{what,-34} step best {t.Best:F3}s med {t.Median:F3}s | tokens/s best {tokens / t.Best:F0} med {tokens / t.Median:F0} | " +
                          $"CPU {t.Cpu:F2}s/step -> {tokens / t.Cpu:F0} tok per CPU-s ({tokens / t.Cpu * Environment.ProcessorCount:F0} if all cores were ours)");

    private static int Int(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
    }

    private static string FindRepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Needle.Playground.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? Directory.GetCurrentDirectory();
    }
}
