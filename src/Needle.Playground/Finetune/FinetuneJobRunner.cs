using Needle.Core.Inference;
using Needle.Core.Tools;
using Needle.Core.Training;
using Needle.Core.Training.Finetune;
using Needle.Playground.Jobs;
using Needle.Playground.Models;
using Needle.Playground.Services;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Providers;
using SynthOptions = Needle.Synthesis.Generation.GenerationOptions;

namespace Needle.Playground.Finetune;

/// <summary>
/// "finetune": generate data for the tools (SynthesisRun; offline unless a provider and key are given) → validate →
/// base eval → train (live loss points) → finetuned eval → bundle. The finetuned checkpoint lands in
/// checkpoints/finetuned-&lt;job&gt;/ (with the tokenizer, so it loads in one click) and the bundle in checkpoints/bundles/.
/// </summary>
public sealed class FinetuneJobRunner(NeedleActiveModel active, IModelCatalog catalog) : IJobRunner
{
    public const string KindName = JobKinds.Finetune;
    public string Kind => KindName;
    public string DisplayName => "Finetune";

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        var s = context.GetSettings<FinetuneJobSettings>();
        s.Validate();
        var baseModel = active.Current ?? throw new InvalidOperationException("Load a model before finetuning (Models page, or download the Needle weights).");
        var tokenizer = NeedleRuntime.FindTokenizer(baseModel.Path);
        var tools = ToolSchemaParser.Parse(s.Tools).Tools;
        if (tools.Count == 0) throw new ArgumentException("The tool list is empty: add at least one tool.");
        var metrics = new FinetuneMetrics { BaseModel = baseModel.Name, Provider = s.Provider };

        // 1. Data.
        context.SetPhase("generating data");
        var provider = Provider(s, context.Secrets);
        var target = s.ExamplesPerTool * tools.Count;
        context.Log($"Generating {s.ExamplesPerTool} samples/tool for {tools.Count} tools ({s.Provider})...");
        var dataPath = Path.Combine(context.WorkDir, "data.jsonl");
        var lastLogged = 0;
        var progress = new SyncProgress<Synthesis.Generation.GenerationProgress>(p =>
        {
            if (p.Accepted - lastLogged < Math.Max(1, target / 5) || p.Accepted > target) return;
            lastLogged = p.Accepted;
            context.Log($"  generated {p.Accepted}/{target}");
        });
        var generated = await SynthesisRun.GenerateAsync(s.Tools, provider, new SynthOptions { NumSamples = target }, progress, dataPath, ct);
        context.Log($"Generated {generated.Records.Count} samples.");
        if (generated.Records.Count < 3) throw new InvalidOperationException($"Only {generated.Records.Count} examples were generated; at least 3 are needed. Check the provider and the tools.");
        metrics = metrics with { Examples = generated.Records.Count };
        context.SetMetrics(metrics);

        // 2.–6. Validate, split, base eval, train, finetuned eval, bundle (FinetuneRunner's pipeline).
        var outDir = Path.Combine(context.WorkDir, "out");
        var request = new FinetuneRequest
        {
            DataPath = dataPath,
            CheckpointPath = baseModel.Path,
            TokenizerPath = tokenizer,
            Settings = new FinetuneSettings
            {
                Epochs = s.Epochs,
                BatchSize = Math.Min(s.BatchSize, generated.Records.Count),
                OutputDirectory = outDir,
                MaxSteps = s.MaxSteps,
                Optimizer = new OptimizerSettings { AdamLearningRate = s.LearningRate },
            },
        };
        var reporter = new EventReporter(context, metrics);
        var result = await new FinetuneRunner().RunAsync(request, reporter, ct);
        metrics = reporter.Metrics with { Validation = result.Validation, Split = result.Split };
        context.SetMetrics(metrics);
        if (result.Outcome == FinetuneOutcome.Cancelled) throw new OperationCanceledException(ct);
        if (!result.Succeeded) throw new InvalidOperationException(result.Error is { } err ? (err.StartsWith("Error: ", StringComparison.Ordinal) ? err[7..] : err) : "Finetune failed (see the log).");

        // Publish: the checkpoint (with its tokenizer) and the bundle into checkpoints/.
        context.SetPhase("publishing");
        var checkpoint = result.BestCheckpointPath ?? result.LastCheckpointPath
            ?? throw new InvalidOperationException("Training produced no checkpoint.");
        var folder = $"finetuned-{context.JobId}";
        var dir = Path.Combine(catalog.Root, folder);
        Directory.CreateDirectory(dir);
        CopyAtomic(tokenizer, Path.Combine(dir, Path.GetFileName(tokenizer)));
        var pklName = Path.GetFileName(checkpoint);
        CopyAtomic(checkpoint, Path.Combine(dir, pklName));
        string? bundleName = null;
        if (result.BundlePath is { } bundle)
        {
            var bundles = Path.Combine(catalog.Root, "bundles");
            Directory.CreateDirectory(bundles);
            bundleName = "bundles/" + Path.GetFileName(bundle);
            CopyAtomic(bundle, Path.Combine(bundles, Path.GetFileName(bundle)));
            context.Log($"Bundle ready: {bundleName}");
        }
        metrics = metrics with { Checkpoint = $"{folder}/{pklName}", Bundle = bundleName };
        context.SetMetrics(metrics);
        TryDelete(outDir);
        context.SetPhase("done");
    }

    private static ProviderSettings Provider(FinetuneJobSettings s, IReadOnlyDictionary<string, string> secrets)
    {
        secrets.TryGetValue("apiKey", out var key);
        var kind = s.Provider.Trim().ToLowerInvariant() switch
        {
            "" or "offline" => SynthesisProvider.Offline,
            "gemini" => SynthesisProvider.Gemini,
            "vertex" => SynthesisProvider.Vertex,
            "openai" or "openai-compatible" or "openrouter" => SynthesisProvider.OpenAi,
            var other => throw new ArgumentException($"Unknown provider '{other}': use offline, gemini, vertex or openai."),
        };
        if (kind is SynthesisProvider.Gemini or SynthesisProvider.OpenAi && string.IsNullOrWhiteSpace(key))
            throw new ArgumentException($"The {s.Provider} provider needs an API key: enter it on the Finetune page (it is kept in memory only, so a restarted job asks again).");
        Uri? baseUrl = null;
        if (!string.IsNullOrWhiteSpace(s.BaseUrl) && !Uri.TryCreate(s.BaseUrl, UriKind.Absolute, out baseUrl))
            throw new ArgumentException($"Base URL '{s.BaseUrl}' is not an absolute URL.");
        return new ProviderSettings
        {
            Provider = kind, ApiKey = string.IsNullOrWhiteSpace(key) ? null : key, Model = string.IsNullOrWhiteSpace(s.Model) ? null : s.Model,
            BaseUrl = baseUrl, Project = s.Project, Location = s.Location,
        };
    }

    private static void CopyAtomic(string from, string to)
    {
        var temp = to + ".part";
        File.Copy(from, temp, overwrite: true);
        File.Move(temp, to, overwrite: true);
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
