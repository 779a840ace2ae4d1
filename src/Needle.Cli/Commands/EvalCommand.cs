using System.CommandLine;
using Needle.Core.Data;
using Needle.Core.Inference;
using Needle.Core.Json;
using Needle.Core.Training;
using Needle.Core.Training.Finetune;

namespace Needle.Cli.Commands;

/// <summary>
/// `needle eval --checkpoint PATH DATA.jsonl`: upstream's tool-call benchmark (needle-model.md §6.3) on your data,
/// printed as one JSON object (json.dumps style). Pools are stratified like upstream (single/multi × #tools,
/// max(1, samples // 14) each, RandomState(42)); <c>--tool-call-samples 0</c> scores every example instead.
/// </summary>
public sealed class EvalCommand : ICliCommand
{
    /// <summary>How a runtime is obtained; tests swap in fakes.</summary>
    internal static Func<string, string?, NeedleRuntime> LoadRuntime { get; set; } = NeedleRuntime.Load;

    public Command Build()
    {
        var data = new Argument<string>("data") { Description = "Evaluation data: JSONL rows with query, tools and answers." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Needle .pkl checkpoint to evaluate (default: checkpoints/needle.pkl, else the built-in checkpoints/needle-mini)." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "SentencePiece .model (default: found beside the checkpoint)." };
        var batch = new Option<int>("--batch-size") { Description = "Examples generated together.", DefaultValueFactory = _ => 32 };
        var samples = new Option<int>("--tool-call-samples") { Description = "Stratified sample size (0: every example).", DefaultValueFactory = _ => 200 };
        var maxGen = new Option<int>("--max-gen-len") { Description = "Decoder length; at most N-1 tokens are generated.", DefaultValueFactory = _ => 512 };
        var maxEnc = new Option<int>("--max-enc-len") { Description = "Encoder length (query + tools).", DefaultValueFactory = _ => 1024 };
        var noConstrained = new Option<bool>("--no-constrained") { Description = "Do not constrain tool names and argument keys." };
        var failures = new Option<bool>("--failures") { Description = "Also list the failing examples (query, expected, got, reasons)." };

        var command = new Command("eval", "Score a checkpoint's tool calls on a JSONL data set (exact match, call/name F1, argument accuracy...).");
        command.Arguments.Add(data);
        foreach (var o in new Option[] { checkpoint, tokenizer, batch, samples, maxGen, maxEnc, noConstrained, failures }) command.Options.Add(o);
        command.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var output = pr.InvocationConfiguration.Output;
            var error = pr.InvocationConfiguration.Error;
            try
            {
                var path = pr.GetValue(data)!;
                if (!File.Exists(path)) throw new FileNotFoundException($"data '{path}' does not exist.", path);
                var read = ExampleJsonlReader.ReadFile(path);
                foreach (var bad in read.Report.InvalidLines) error.WriteLine($"{path}: line {bad.Line}: {bad.Reason} (skipped)");
                if (read.Examples.Count == 0) throw new InvalidDataException($"{path}: no valid examples.");
                int n = pr.GetValue(samples);
                IReadOnlyList<ToolCallExample> examples = read.Examples;
                if (n > 0)
                {
                    var (single, multi) = ToolCallBenchmark.StratifiedPools(read.Examples, n);
                    examples = [.. single, .. multi];
                    if (examples.Count == 0) throw new InvalidDataException($"{path}: no example has tool calls to sample (use --tool-call-samples 0 to score all).");
                }
                var (checkpointPath, tokenizerPath) = DefaultCheckpoint.Resolve(pr.GetValue(checkpoint), pr.GetValue(tokenizer), error);
                using var runtime = LoadRuntime(checkpointPath, tokenizerPath);
                var metrics = ToolCallEvaluator.Benchmark(runtime.Generator, examples, !pr.GetValue(noConstrained),
                    pr.GetValue(maxGen), pr.GetValue(maxEnc), pr.GetValue(batch), ct);
                output.WriteLine(PyJson.DumpsSpaced(ToDict(metrics, pr.GetValue(failures))));
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException or NotSupportedException or ArgumentException or IOException)
            {
                error.WriteLine($"needle eval: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    /// <summary>The benchmark's numbers in upstream's vocabulary (unrounded), optionally with the failures.</summary>
    internal static PyJsonObject ToDict(BenchmarkMetrics m, bool withFailures)
    {
        static PyJsonValue F(double v) => PyJson.Float(v);
        var d = new PyJsonObject
        {
            ["num_samples"] = PyJson.Int(m.NumSamples),
            ["exact_match"] = F(m.ExactMatch),
            ["json_parse_rate"] = F(m.JsonParseRate),
            ["name_precision"] = F(m.NamePrecision), ["name_recall"] = F(m.NameRecall), ["name_f1"] = F(m.NameF1),
            ["call_precision"] = F(m.CallPrecision), ["call_recall"] = F(m.CallRecall), ["call_f1"] = F(m.CallF1),
            ["args_acc"] = F(m.ArgsAcc),
            ["param_haluc"] = F(m.ParamHaluc), ["param_miss"] = F(m.ParamMiss), ["value_acc"] = F(m.ValueAcc),
            ["empty_ref_pct"] = F(m.EmptyRefPct), ["empty_pred_pct"] = F(m.EmptyPredPct),
        };
        if (withFailures)
            d["failures"] = new PyJsonArray(m.Failures.Select(f => new PyJsonObject
            {
                ["query"] = new PyJsonString(f.Query), ["expected"] = new PyJsonString(f.Expected), ["got"] = new PyJsonString(f.Got),
                ["reasons"] = new PyJsonArray(f.Reasons.Select(r => new PyJsonString(r))),
            }));
        return d;
    }
}
