using Needle.Core.Kernels;
using Needle.Core.Model;

namespace Needle.Bench;

/// <summary>
/// The 26M model (random init): encoder prefill of 256 tokens (tok/s) and batch-1 greedy decode with the KV cache
/// (tok/s), then the PyTorch peer's figures from the same run.
/// </summary>
public sealed class InferenceBenchmark : IBenchmark
{
    public string Name => "inference";
    public string Description => "26M prefill (1x256) and greedy decode tok/s vs PyTorch  [--reps N] [--steps N] [--precision f16|f32|int8] [--peer PATH] [--no-peer] [--profile [cpu]] [--prefill-only]";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var o = new BenchOptions(args);
        int reps = o.GetInt("reps", 5), steps = o.GetInt("steps", 64), srcLen = o.GetInt("src", 256);
        var precision = o.Get("precision", "f16") switch
        {
            "f32" => WeightPrecision.Float32,
            "int8" => WeightPrecision.Int8,
            _ => WeightPrecision.Float16,
        };
        var model = new SimpleAttentionNetwork(NeedleWeights.RandomInit(NeedleConfig.Needle26M, 0), precision);
        var rng = new Random(0);
        var src = Enumerable.Range(0, srcLen).Select(_ => rng.Next(6, model.Config.VocabSize)).ToArray();
        Console.WriteLine($"SIMD level {Simd.Level}, pool threads {WorkerPool.Shared.Threads}, decode weights {model.DecodePrecision}");

        // Warm both prefill paths past tiered JIT (tier-1 and OSR arrive after ~30 calls plus a background compile), so
        // whichever line is printed first is not timing Tier-0 code.
        var warm = System.Diagnostics.Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 1.5) { model.EncodeHidden([src]); model.Encode([src]).Dispose(); }

        // Headline: the encoder alone, exactly the work the peer's model.encode(src) times (embedding, 12 blocks,
        // final norm). Second line: Encode as generation uses it, which adds the 8 decoder layers' cross K/V (+17% FLOPs).
        var (pb, pm) = Timing.Measure(() => model.EncodeHidden([src]), Math.Max(2, reps / 4), reps);
        Console.WriteLine($"ours   prefill 1x{srcLen} (encoder only, as the peer): best {pb * 1e3:F1} ms med {pm * 1e3:F1} ms -> " +
                          $"{srcLen / pm:F0} tok/s (best {srcLen / pb:F0}); CPU {Timing.LastCpuSeconds * 1e3:F1} ms/rep");
        var (xb, xm) = Timing.Measure(() => model.Encode([src]).Dispose(), Math.Max(2, reps / 4), reps);
        Console.WriteLine($"ours   prefill 1x{srcLen} + decoder cross K/V (Encode): best {xb * 1e3:F1} ms med {xm * 1e3:F1} ms -> " +
                          $"{srcLen / xm:F0} tok/s (best {srcLen / xb:F0}); CPU {Timing.LastCpuSeconds * 1e3:F1} ms/rep");
        if (o.Has("profile")) Profile(model, src, reps, threadCpu: o.Get("profile", "") == "cpu");
        if (o.Has("prefill-only")) return 0;

        DecodeBench(model, steps, reps, src, o.Has("profile"));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using (var self = System.Diagnostics.Process.GetCurrentProcess())
            Console.WriteLine($"ours   working set {self.WorkingSet64 / (1024 * 1024)} MB after GC, peak {self.PeakWorkingSet64 / (1024 * 1024)} MB " +
                              $"(peak includes the random-init source weights; GC heap now {GC.GetTotalMemory(false) / (1024 * 1024)} MB)");
        GC.KeepAlive(model);
        // Without an explicit --precision, also the opt-in int8 decode (approximate: see docs/engine.md).
        if (o.Get("precision", "") == "")
        {
            model = new SimpleAttentionNetwork(NeedleWeights.RandomInit(NeedleConfig.Needle26M, 0), WeightPrecision.Int8);
            DecodeBench(model, steps, reps, src, o.Has("profile"));
        }
        if (o.Has("no-peer")) return 0;
        Console.WriteLine($"# peer: {o.Peer} --what infer");
        Console.Write(await PeerProcess.RunAsync(o.Peer, "--what infer", ct));
        return 0;
    }

    /// <summary>Per-stage wall time of Encode (incl. cross K/V), summed over the stage's calls; run with
    /// NEEDLE_THREADS=1 to read it as single-thread CPU time.</summary>
    private static void Profile(SimpleAttentionNetwork model, int[] src, int reps, bool threadCpu)
    {
        var profile = threadCpu ? new PrefillProfile { Clock = ThreadCpu.Ticks } : new PrefillProfile();
        model.Profile = profile;
        for (var i = 0; i < Math.Max(2, reps / 4); i++) model.Encode([src]).Dispose();
        profile.Reset();
        for (var i = 0; i < reps; i++) model.Encode([src]).Dispose();
        model.Profile = null;
        var total = profile.Report().Sum(r => r.MsPerRun);
        var clock = threadCpu ? "calling thread's CPU time" : "wall time";
        Console.WriteLine($"profile of Encode ({clock}), {reps} reps, {WorkerPool.Shared.Threads} threads (stage: ms per Encode, calls):");
        foreach (var (stage, ms, calls) in profile.Report())
            Console.WriteLine($"  {stage,-16} {ms,7:F2} ms {100 * ms / total,5:F1}%  x{calls:F0}");
        Console.WriteLine($"  {"total",-16} {total,7:F2} ms");
    }

    private static int ArgMax(ReadOnlySpan<float> x) => Needle.Core.Inference.Greedy.ArgMax(x);

    /// <summary>
    /// Batch-1 greedy decode of <paramref name="steps"/> tokens after encoding <paramref name="src"/>: wall and CPU per
    /// token, as generation runs it (screened logits, see ScreenedLogits) and with the full logits every step.
    /// </summary>
    private static void DecodeBench(SimpleAttentionNetwork model, int steps, int reps, int[] src, bool profile)
    {
        model.ScreenLogitsAfter = 0;
        using var encoded = model.Encode([src]);
        var logits = new float[model.Config.VocabSize];
        long exactRows = 0, screenedSteps = 0;
        void Greedy(bool screened)
        {
            using var state = screened ? model.StartGreedyDecoder(encoded) : model.StartDecoder(encoded);
            var token = 0;
            for (var i = 0; i < steps; i++)
            {
                model.DecodeStep(state, [token], logits);
                token = ArgMax(logits); // unmasked: always an exact logit when screened
            }
            if (state is Needle.Core.Inference.IScreenedLogits s) { exactRows += s.ScreenStats.ExactRows; screenedSteps += s.ScreenStats.Steps; }
        }
        foreach (var screened in new[] { true, false })
        {
            exactRows = screenedSteps = 0;
            var (db, dm) = Timing.Measure(() => Greedy(screened), Math.Max(2, reps / 4), reps);
            var how = screened ? (screenedSteps > 0 ? $"screened logits, {exactRows / (double)screenedSteps:F1} exact rows/step" : "no screen") : "full logits";
            Console.WriteLine($"ours   greedy decode {steps} steps KV-cache ({model.DecodePrecision} weights, {how}): best {db * 1e3:F1} ms med {dm * 1e3:F1} ms -> " +
                              $"{steps / dm:F1} tok/s (best {steps / db:F1}), {dm / steps * 1e3:F2} ms/token; CPU {Timing.LastCpuSeconds / steps * 1e3:F2} ms/token");
            if (profile) Profile(() => Greedy(screened), steps, reps);
        }
    }

    /// <summary>Per-section wall time of a decode step (after the timed runs, so the code is warm).</summary>
    private static void Profile(Action greedy, int steps, int reps)
    {
        DecodeProfile.Reset();
        DecodeProfile.Enabled = true;
        var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < reps; i++) greedy();
        var total = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMicroseconds / (reps * (double)steps);
        DecodeProfile.Enabled = false;
        var sections = DecodeProfile.Report();
        Console.WriteLine($"profile: {reps} x {steps} steps, {total:F1} µs/token wall incl. argmax and timer overhead");
        Console.WriteLine($"  {"section",-16} {"median",8} {"min",8}  µs/token");
        foreach (var (section, med, min) in sections)
            Console.WriteLine($"  {section,-16} {med,8:F1} {min,8:F1}");
        Console.WriteLine($"  {"(sum)",-16} {sections.Sum(s => s.Median),8:F1} {sections.Sum(s => s.Min),8:F1}");
    }
}
