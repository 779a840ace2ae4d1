using System.CommandLine;
using System.Diagnostics;
using Needle.Core.Inference;
using Needle.Core.Json;
using Needle.Core.Kernels;

namespace Needle.Cli.Commands;

/// <summary>
/// `needle run`: one tool-call generation, printed exactly as upstream's generate() returns it (needle-model.md §9.1).
/// Without --query, upstream's three built-in examples run, one result per line.
/// </summary>
public sealed class RunCommand : ICliCommand
{
    /// <summary>How a runtime is obtained; tests swap in fakes.</summary>
    internal static Func<string, string?, WeightPrecision?, NeedleRuntime> LoadRuntime { get; set; } = NeedleRuntime.Load;

    // Upstream's examples for a run without --query (run.py main).
    private static readonly (string Query, string Tools)[] BuiltInExamples =
    [
        ("What is the weather in San Francisco?", """[{"name": "get_weather", "parameters": {"location": "string"}}]"""),
        ("Send an email to john@example.com saying hello", """[{"name": "send_email", "parameters": {"to": "string", "body": "string"}}]"""),
        ("Get the current stock price of AAPL", """[{"name": "get_stock_price", "parameters": {"symbol": "string"}}]"""),
    ];

    public Command Build()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Path to a Needle .pkl checkpoint (default: checkpoints/needle.pkl, else the built-in checkpoints/needle-mini)." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "SentencePiece .model (default: needle.model, tokenizer/needle.model or the only *.model beside the checkpoint)." };
        var query = new Option<string?>("--query") { Description = "The user request. Without it, three built-in examples run." };
        var tools = new Option<string>("--tools") { Description = "Tools JSON array, or @file to read it from a file.", DefaultValueFactory = _ => "[]" };
        var noConstrained = new Option<bool>("--no-constrained") { Description = "Do not constrain tool names and argument keys to the tools." };
        var structured = new Option<bool>("--structured") { Description = "Hold the whole answer to the call grammar: always well-formed JSON with listed tools and keys (ours, not upstream's)." };
        var maxGenLen = new Option<int>("--max-gen-len", "--max-len") { Description = "Decoder length; at most N-1 tokens are generated.", DefaultValueFactory = _ => 512 };
        var json = new Option<bool>("--json") { Description = "Print a JSON object with the result and timings instead of the bare result." };
        var weights = new Option<string>("--weights")
        {
            Description = "Decode weights: auto (float16 for a 16-bit checkpoint, else fp32), fp16, fp32, or int8 (faster, approximate).",
            DefaultValueFactory = _ => "auto",
        };
        weights.AcceptOnlyFromAmong([.. DecodeWeightsChoice.Names]);

        var command = new Command("run", "Generate a tool call for a query with a local checkpoint.");
        foreach (var o in new Option[] { checkpoint, tokenizer, query, tools, noConstrained, structured, maxGenLen, json, weights }) command.Options.Add(o);
        command.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var output = pr.InvocationConfiguration.Output;
            var error = pr.InvocationConfiguration.Error;
            try
            {
                var started = Stopwatch.StartNew();
                var toolsJson = ReadTools(pr.GetValue(tools)!);
                var options = new GenerationOptions { Constrained = !pr.GetValue(noConstrained), Structured = pr.GetValue(structured), MaxGenLen = pr.GetValue(maxGenLen) };
                var (checkpointPath, tokenizerPath) = DefaultCheckpoint.Resolve(pr.GetValue(checkpoint), pr.GetValue(tokenizer), error);
                if (!File.Exists(checkpointPath) && LoadRuntime == NeedleRuntime.Load)
                    throw new FileNotFoundException($"checkpoint '{checkpointPath}' does not exist (`needle download` fetches the released weights into ./checkpoints).");
                DecodeWeightsChoice.TryParse(pr.GetValue(weights), out var precision);
                using var runtime = LoadRuntime(checkpointPath, tokenizerPath, precision);
                var loadTime = started.Elapsed;
                var q = pr.GetValue(query);
                var examples = q is null ? BuiltInExamples : [(q, toolsJson)];
                foreach (var (exampleQuery, exampleTools) in examples)
                {
                    ct.ThrowIfCancellationRequested();
                    var result = runtime.Generator.GenerateDetailed(exampleQuery, exampleTools, options);
                    output.WriteLine(pr.GetValue(json) ? TimingJson(result, loadTime, started.Elapsed) : result.Text);
                }
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException or NotSupportedException or ArgumentException or IOException)
            {
                error.WriteLine($"needle run: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    /// <summary>"@path" reads the tools from a file; anything else is the JSON itself.</summary>
    internal static string ReadTools(string value)
    {
        if (!value.StartsWith('@')) return value;
        var path = value[1..];
        if (!File.Exists(path)) throw new FileNotFoundException($"tools file '{path}' does not exist.", path);
        return File.ReadAllText(path);
    }

    private static string TimingJson(GenerationResult r, TimeSpan load, TimeSpan total)
    {
        var o = new PyJsonObject();
        o.Set("result", new PyJsonString(r.Text));
        o.Set("prompt_tokens", PyJson.Int(r.PromptTokens));
        o.Set("generated_tokens", PyJson.Int(r.GeneratedTokens));
        o.Set("prefill_tokens_per_s", new PyJsonFloat(Math.Round(r.PrefillTokensPerSecond, 1)));
        o.Set("decode_tokens_per_s", new PyJsonFloat(Math.Round(r.DecodeTokensPerSecond, 1)));
        o.Set("load_ms", Ms(load));
        o.Set("prefill_ms", Ms(r.PrefillTime));
        o.Set("decode_ms", Ms(r.DecodeTime));
        o.Set("total_ms", Ms(total));
        return PyJson.DumpsSpaced(o);
    }

    private static PyJsonFloat Ms(TimeSpan t) =>
        new(Math.Round(t.TotalMilliseconds, 1, MidpointRounding.AwayFromZero));
}
