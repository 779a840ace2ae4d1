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
    public string Description => "26M prefill (1x256) and greedy decode tok/s vs PyTorch  [--reps N] [--steps N] [--precision f16|f32] [--peer PATH] [--no-peer] [--profile [cpu]] [--prefill-only]";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var o = new BenchOptions(args);
        int reps = o.GetInt("reps", 5), steps = o.GetInt("steps", 64), srcLen = o.GetInt("src", 256);
        var precision = o.Get("precision", "f16") == "f32" ? WeightPrecision.Float32 : WeightPrecision.Float16;
        var model = new SimpleAttentionNetwork(NeedleWeights.RandomInit(NeedleConfig.Needle26M, 0), precision);
        var rng = new Random(0);
        var src = Enumerable.Range(0, srcLen).Select(_ => rng.Next(6, model.Config.VocabSize)).ToArray();
        Console.WriteLine($"SIMD level {Simd.Level}, pool threads {WorkerPool.Shared.Threads}, decode weights {model.DecodePrecision}");

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

        using var encoded = model.Encode([src]);
        var logits = new float[model.Config.VocabSize];
        var produced = new List<int>();
        void Greedy()
        {
            using var state = model.StartDecoder(encoded);
            var token = 0;
            produced.Clear();
            for (var i = 0; i < steps; i++)
            {
                model.DecodeStep(state, [token], logits);
                token = ArgMax(logits);
                produced.Add(token);
            }
        }
        var (db, dm) = Timing.Measure(Greedy, Math.Max(2, reps / 4), reps);
        Console.WriteLine($"ours   greedy decode {steps} steps KV-cache: best {db * 1e3:F1} ms med {dm * 1e3:F1} ms -> " +
                          $"{steps / dm:F1} tok/s (best {steps / db:F1}), {dm / steps * 1e3:F2} ms/token; CPU {Timing.LastCpuSeconds / steps * 1e3:F2} ms/token");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using (var self = System.Diagnostics.Process.GetCurrentProcess())
            Console.WriteLine($"ours   working set {self.WorkingSet64 / (1024 * 1024)} MB after GC, peak {self.PeakWorkingSet64 / (1024 * 1024)} MB " +
                              $"(peak includes the random-init source weights; GC heap now {GC.GetTotalMemory(false) / (1024 * 1024)} MB)");
        GC.KeepAlive(model);
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

    private static int ArgMax(ReadOnlySpan<float> x)
    {
        var best = 0;
        for (var i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
