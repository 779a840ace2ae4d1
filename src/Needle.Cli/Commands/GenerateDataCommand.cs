using System.CommandLine;
using System.Globalization;
using Needle.Core.Tools;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Providers;
using Needle.Synthesis.Records;

namespace Needle.Cli.Commands;

/// <summary>
/// `needle generate-data`: training data for a tool list, from Gemini, Vertex AI, an OpenAI-compatible server, or
/// offline templates (the default when no key is set). Keys come from the environment only, never from arguments,
/// so they stay out of shell history; they are never printed.
/// </summary>
public sealed class GenerateDataCommand : ICliCommand
{
    public Command Build()
    {
        var tools = new Option<string>("--tools") { Description = "Tool list: a file, @file, or the JSON itself (Needle, JSON Schema, OpenAI, MCP or Gemini form).", Required = true };
        var samples = new Option<int>("--num-samples") { Description = "Examples to produce (default: 120 per tool).", DefaultValueFactory = _ => 0 };
        var provider = new Option<string?>("--provider") { Description = "offline | gemini | vertex | openai (default: gemini if GEMINI_API_KEY is set, openai if OPENAI_API_KEY/OPENROUTER_API_KEY is set, else offline)." };
        provider.AcceptOnlyFromAmong("offline", "gemini", "vertex", "openai");
        var model = new Option<string?>("--model") { Description = "Model id (default: gemini-3.1-flash-lite-preview for Gemini/Vertex, deepseek/deepseek-v4-flash for openai)." };
        var seed = new Option<int>("--seed") { Description = "Seed for batch planning (and all offline output).", DefaultValueFactory = _ => 42 };
        var output = new Option<FileInfo>("--out") { Description = "Output JSONL file.", Required = true };
        var report = new Option<FileInfo?>("--report") { Description = "Also write the validation report as JSON." };
        var workers = new Option<int>("--workers") { Description = "Batches in flight at once.", DefaultValueFactory = _ => 4 };
        var batchSize = new Option<int>("--batch-size") { Description = "Examples asked for per batch.", DefaultValueFactory = _ => 25 };
        var baseUrl = new Option<string?>("--base-url") { Description = "Provider base URL (e.g. http://localhost:11434/v1/ for Ollama)." };
        var project = new Option<string?>("--project") { Description = "Google Cloud project for Vertex AI (default: GOOGLE_CLOUD_PROJECT or the service account's)." };
        var location = new Option<string?>("--location") { Description = "Vertex AI location (default: global)." };
        var credentials = new Option<FileInfo?>("--credentials") { Description = "Service-account JSON for Vertex AI (default: application default credentials)." };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the report." };

        var command = new Command("generate-data", "Generate tool-calling training data for a tool list.");
        foreach (var o in new Option[] { tools, samples, provider, model, seed, output, report, workers, batchSize, baseUrl, project, location, credentials, quiet })
            command.Options.Add(o);

        command.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var stdout = pr.InvocationConfiguration.Output;
            var stderr = pr.InvocationConfiguration.Error;
            try
            {
                var (toolsJson, toolsOrigin) = ToolsArgument.Read(pr.GetValue(tools)!);
                ParsedTools parsed;
                try { parsed = ToolSchemaParser.Parse(toolsJson); }
                catch (ToolSchemaException e) { throw new InvalidDataException($"{toolsOrigin}: {e.Message}", e); }
                foreach (var notice in parsed.Notices) await stderr.WriteLineAsync($"note: {notice}");
                if (parsed.Tools.Count == 0) throw new InvalidDataException($"{toolsOrigin}: the tool list is empty.");
                var settings = new ProviderSettings
                {
                    Provider = ParseProvider(pr.GetValue(provider)),
                    Model = pr.GetValue(model),
                    BaseUrl = pr.GetValue(baseUrl) is { } u ? new Uri(u.EndsWith('/') ? u : u + "/") : null,
                    Project = pr.GetValue(project),
                    Location = pr.GetValue(location),
                    CredentialsFile = pr.GetValue(credentials)?.FullName,
                    Workers = pr.GetValue(workers),
                };
                var source = await ExampleSourceFactory.CreateAsync(settings, cancellationToken: ct);
                try
                {
                    var options = new GenerationOptions
                    {
                        NumSamples = pr.GetValue(samples),
                        Seed = pr.GetValue(seed),
                        Workers = pr.GetValue(workers),
                        BatchSize = pr.GetValue(batchSize),
                    };
                    var requested = options.ResolveSamples(parsed.Tools.Count);
                    await stdout.WriteLineAsync($"Generating {requested} examples for {parsed.Tools.Count} tools ({parsed.DetectedFormat} form) with {source.Source} ({source.Model}).");
                    var progress = new ConsoleProgress(stdout, pr.GetValue(quiet));
                    var result = await new DataGenerator(source, options).GenerateAsync(parsed.Tools, progress, ct);
                    var outPath = pr.GetValue(output)!.FullName;
                    await SynthesisJsonl.WriteAsync(outPath, result.Records, ct);
                    await stdout.WriteLineAsync($"Wrote {result.Records.Count} examples to {outPath}.");
                    await stdout.WriteAsync(result.Report.ToText());
                    if (pr.GetValue(report) is { } reportFile) await WriteReportAsync(reportFile.FullName, result.Report, ct);
                    return result.Records.Count > 0 ? 0 : 1;
                }
                finally
                {
                    (source as IDisposable)?.Dispose();
                }
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException or SynthesisProviderException or NotSupportedException)
            {
                await stderr.WriteLineAsync($"error: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static SynthesisProvider? ParseProvider(string? name) => name switch
    {
        null => null,
        "offline" => SynthesisProvider.Offline,
        "gemini" => SynthesisProvider.Gemini,
        "vertex" => SynthesisProvider.Vertex,
        "openai" => SynthesisProvider.OpenAi,
        _ => throw new ArgumentException($"Unknown provider \"{name}\"."),
    };

    private static async Task WriteReportAsync(string path, GenerationReport report, CancellationToken ct)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, System.Text.Json.JsonSerializer.Serialize(report, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), ct);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Prints one line per finished batch (and failures), not per example, so logs stay readable.</summary>
    private sealed class ConsoleProgress(TextWriter output, bool quiet) : IProgress<GenerationProgress>
    {
        private int _lastAccepted = -1;

        public void Report(GenerationProgress p)
        {
            if (quiet) return;
            if (p.Kind == GenerationEventKind.BatchFailed)
                output.WriteLine($"batch {p.BatchIndex} failed: {p.Reason}");
            else if (p.Kind == GenerationEventKind.BatchStarted && p.BatchIndex > 0 && p.Accepted != _lastAccepted || p.Kind == GenerationEventKind.Finished)
            {
                _lastAccepted = p.Accepted;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{p.Accepted}/{p.Target}] generated {p.Generated}, accepted {p.Accepted}, rejected {p.Rejected} (duplicates {p.Duplicates}), batches {p.BatchesSubmitted}, failed {p.FailedBatches}"));
            }
        }
    }
}
