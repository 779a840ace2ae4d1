using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Needle.Core.Checkpoints;
using Needle.Core.Inference;
using Needle.Core.Kernels;
using Needle.Core.Model;

namespace Needle.Cli.Commands;

/// <summary>
/// `needle bench inference`: prefill (256 tokens) and batch-1 greedy decode tok/s on the 26M config (random weights)
/// or on a given checkpoint. The repository's bench/Needle.Bench prints the same figures next to PyTorch's.
/// </summary>
public sealed class BenchCommand : ICliCommand
{
    public Command Build()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Time this .pkl instead of the 26M config with random weights." };
        var weights = new Option<string>("--weights") { Description = "Decode weights: auto, fp16, fp32 or int8.", DefaultValueFactory = _ => "auto" };
        weights.AcceptOnlyFromAmong([.. DecodeWeightsChoice.Names]);
        var reps = new Option<int>("--reps") { Description = "Timed runs of each (the median is printed).", DefaultValueFactory = _ => 10 };
        var steps = new Option<int>("--steps") { Description = "Greedy decode steps per run.", DefaultValueFactory = _ => 64 };
        var source = new Option<int>("--src") { Description = "Source tokens to prefill.", DefaultValueFactory = _ => 256 };
        var json = new Option<bool>("--json") { Description = "Print the figures as one JSON object." };

        var inference = new Command("inference", "Time prefill and batch-1 greedy decode (tokens/s, medians).");
        foreach (var o in new Option[] { checkpoint, weights, reps, steps, source, json }) inference.Options.Add(o);
        inference.SetAction((ParseResult pr) =>
        {
            var output = pr.InvocationConfiguration.Output;
            var error = pr.InvocationConfiguration.Error;
            if (pr.GetValue(reps) < 1 || pr.GetValue(steps) < 1 || pr.GetValue(source) < 1)
            {
                error.WriteLine("bench: --reps, --steps and --src must be at least 1.");
                return 2;
            }
            DecodeWeightsChoice.TryParse(pr.GetValue(weights), out var precision);
            SimpleAttentionNetwork model;
            string what;
            try
            {
                (model, what) = Load(pr.GetValue(checkpoint), precision);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException)
            {
                error.WriteLine($"bench: {e.Message}");
                return 1;
            }
            var t = InferenceTiming.Measure(model, pr.GetValue(source), pr.GetValue(steps), pr.GetValue(reps));
            if (pr.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    model = what, decode_weights = t.DecodeWeights, source_tokens = t.SourceTokens, decode_steps = t.DecodeSteps, reps = t.Reps,
                    prefill_tokens_per_s = Math.Round(t.PrefillTokensPerSecond, 1), decode_tokens_per_s = Math.Round(t.DecodeTokensPerSecond, 1),
                    threads = WorkerPool.Shared.Threads, simd = Simd.Level.ToString(),
                }));
                return 0;
            }
            var c = CultureInfo.InvariantCulture;
            output.WriteLine(string.Format(c, "{0}, {1} threads, {2}", what, WorkerPool.Shared.Threads, Simd.Level));
            output.WriteLine(string.Format(c, "prefill 1x{0}: {1:F0} tok/s ({2:F1} ms, median of {3})", t.SourceTokens, t.PrefillTokensPerSecond, t.PrefillSeconds * 1e3, t.Reps));
            output.WriteLine(string.Format(c, "greedy decode batch 1, KV cache, {0} weights: {1:F0} tok/s ({2:F2} ms/token, {3} steps, median of {4})",
                t.DecodeWeights, t.DecodeTokensPerSecond, t.DecodeSeconds / t.DecodeSteps * 1e3, t.DecodeSteps, t.Reps));
            return 0;
        });

        var command = new Command("bench", "Time the engine on this machine.");
        command.Subcommands.Add(inference);
        return command;
    }

    private static (SimpleAttentionNetwork Model, string What) Load(string? path, WeightPrecision? precision)
    {
        if (path is null)
            return (new SimpleAttentionNetwork(NeedleWeights.RandomInit(NeedleConfig.Needle26M, 0), precision ?? WeightPrecision.Float16),
                "26M config (random weights)");
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint '{path}' does not exist.", path);
        using var checkpoint = StreamedCheckpoint.Open(path);
        var model = SimpleAttentionNetwork.ForInference(checkpoint,
            precision ?? (checkpoint.AllSixteenBit ? WeightPrecision.Float16 : WeightPrecision.Float32));
        return (model, Path.GetFileName(path));
    }
}
