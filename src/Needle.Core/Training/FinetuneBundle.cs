using System.Globalization;
using System.IO.Compression;
using System.Text;
using Needle.Core.Data;
using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>Facts about a finished finetune that the report and README state.</summary>
public sealed record FinetuneRunSummary
{
    /// <summary>Base checkpoint file name (not a full path: bundles travel).</summary>
    public required string BaseModel { get; init; }
    public string FinetunedCheckpoint { get; init; } = "checkpoint.pkl";
    public int ToolCount { get; init; }
    public int Duplicates { get; init; }
    public ToolEvalMetrics? Base { get; init; }
    public ToolEvalMetrics? Finetuned { get; init; }
    public TrainingPlan? Plan { get; init; }
    public OptimizerSettings Optimizer { get; init; } = new();
    public LossWeights Weights { get; init; } = LossWeights.Finetune;
    public int Seed { get; init; } = 42;
    public TimeSpan? Duration { get; init; }
}

/// <summary>Everything that goes into a bundle.</summary>
public sealed record FinetuneBundleInput
{
    public required string CheckpointPath { get; init; }
    public string? TokenizerModelPath { get; init; }
    /// <summary>The tools JSON the model was tuned for (stored as <c>tools.json</c>).</summary>
    public required string ToolsJson { get; init; }
    public required IReadOnlyList<ToolCallExample> Train { get; init; }
    public required IReadOnlyList<ToolCallExample> Val { get; init; }
    public required IReadOnlyList<ToolCallExample> Test { get; init; }
    public required FinetuneRunSummary Summary { get; init; }
    public LossHistory? History { get; init; }
}

/// <summary>
/// The download bundle of a finetune (playground-reference.md B7 step 6, extended): checkpoint, tokenizer, tools,
/// the three splits, eval_report.json, loss history (JSON + CSV), loss_curve.svg and a README. Written atomically.
/// </summary>
public static class FinetuneBundle
{
    public static string FileName(DateTimeOffset time) => $"needle_finetuned_{time.UtcDateTime:yyyyMMdd_HHmmss}.zip";

    public static void Write(string zipPath, FinetuneBundleInput input)
    {
        ArgumentException.ThrowIfNullOrEmpty(zipPath);
        ArgumentNullException.ThrowIfNull(input);
        if (!File.Exists(input.CheckpointPath))
            throw new FileNotFoundException($"Checkpoint to bundle not found: {input.CheckpointPath}", input.CheckpointPath);
        if (input.TokenizerModelPath is not null && !File.Exists(input.TokenizerModelPath))
            throw new FileNotFoundException($"Tokenizer model to bundle not found: {input.TokenizerModelPath}", input.TokenizerModelPath);

        var history = input.History ?? new LossHistory();
        AtomicFile.Write(zipPath, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            AddFile(zip, "checkpoint.pkl", input.CheckpointPath);
            if (input.TokenizerModelPath is not null) AddFile(zip, "tokenizer.model", input.TokenizerModelPath);
            AddText(zip, "tools.json", PyJson.CompactOrSame(input.ToolsJson));
            AddText(zip, "train.jsonl", ExampleJsonlWriter.ToText(input.Train));
            AddText(zip, "val.jsonl", ExampleJsonlWriter.ToText(input.Val));
            AddText(zip, "test.jsonl", ExampleJsonlWriter.ToText(input.Test));
            AddText(zip, "eval_report.json", PyJson.DumpsIndented(EvalReport(input), 2));
            AddText(zip, "loss_history.json", history.ToJson());
            AddText(zip, "loss_history.csv", history.ToCsv());
            AddText(zip, "loss_curve.svg", LossCurveSvg.Render(history));
            AddText(zip, "README.md", Readme(input));
        });
    }

    private static void AddFile(ZipArchive zip, string name, string path)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        using var dst = entry.Open();
        using var src = File.OpenRead(path);
        src.CopyTo(dst);
    }

    private static void AddText(ZipArchive zip, string name, string text)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        using var dst = entry.Open();
        dst.Write(new UTF8Encoding(false).GetBytes(text));
    }

    private static readonly (string Key, string Label, Func<ToolEvalMetrics, double> Get)[] Metrics =
    [
        ("call_f1", "Call F1", m => m.CallF1), ("name_f1", "Name F1", m => m.NameF1), ("exact_match", "Exact Match", m => m.ExactMatch),
        ("parse_rate", "Parse Rate", m => m.ParseRate), ("args_acc", "Args Accuracy", m => m.ArgsAcc),
    ];

    private static PyJsonValue MetricDict(ToolEvalMetrics? m)
    {
        if (m is null) return PyJsonNull.Instance;
        var d = new PyJsonObject();
        foreach (var (k, _, get) in Metrics) d[k] = PyJson.Float(get(m));
        return d;
    }

    private static PyJsonValue ToolAcc(ToolEvalMetrics? m, string tool) =>
        m is not null && m.PerTool.TryGetValue(tool, out var s) && s.Total > 0 ? PyJson.Float(PyCompat.Round((double)s.Correct / s.Total, 3)) : PyJsonNull.Instance;

    private static List<string> ToolNames(FinetuneRunSummary s) =>
        (s.Base?.PerTool.Keys ?? []).Concat(s.Finetuned?.PerTool.Keys ?? []).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>eval_report.json: upstream's fields in upstream's order, then our "settings".</summary>
    public static PyJsonObject EvalReport(FinetuneBundleInput input)
    {
        var s = input.Summary;
        var perTool = new PyJsonObject();
        foreach (var t in ToolNames(s)) perTool[t] = new PyJsonObject { ["base"] = ToolAcc(s.Base, t), ["finetuned"] = ToolAcc(s.Finetuned, t) };
        var settings = new PyJsonObject
        {
            ["seed"] = PyJson.Int(s.Seed),
            ["adam_lr"] = PyJson.Float(s.Optimizer.AdamLearningRate), ["muon_lr"] = PyJson.Float(s.Optimizer.MuonLearningRate),
            ["warmup_ratio"] = PyJson.Float(s.Optimizer.WarmupRatio), ["decay_ratio"] = PyJson.Float(s.Optimizer.DecayRatio),
            ["max_grad_norm"] = PyJson.Float(s.Optimizer.MaxGradNorm),
            ["loss_weights"] = new PyJsonObject
            {
                ["base"] = PyJson.Float(s.Weights.Base), ["name"] = PyJson.Float(s.Weights.Name),
                ["value"] = PyJson.Float(s.Weights.Value), ["key"] = PyJson.Float(s.Weights.Key),
            },
        };
        if (s.Plan is { } p)
        {
            settings["batch_size"] = PyJson.Int(p.BatchSize); settings["steps_per_epoch"] = PyJson.Int(p.StepsPerEpoch);
            settings["total_steps"] = PyJson.Int(p.TotalSteps); settings["adjustments"] = new PyJsonArray(p.Adjustments.Select(PyJson.Str));
        }
        return new PyJsonObject
        {
            ["model"] = PyJson.Str(s.BaseModel),
            ["finetuned_checkpoint"] = PyJson.Str(s.FinetunedCheckpoint),
            ["training"] = new PyJsonObject { ["examples"] = PyJson.Int(input.Train.Count), ["tools"] = PyJson.Int(s.ToolCount), ["epochs"] = PyJson.Int(s.Plan?.Epochs ?? 0) },
            ["validation"] = new PyJsonObject { ["examples"] = PyJson.Int(input.Val.Count) },
            ["test"] = new PyJsonObject { ["examples"] = PyJson.Int(input.Test.Count), ["duplicates"] = PyJson.Int(s.Duplicates) },
            ["base"] = MetricDict(s.Base),
            ["finetuned"] = MetricDict(s.Finetuned),
            ["per_tool"] = perTool,
            ["settings"] = settings,
        };
    }

    private static string Pct(double? v) => v is double d ? (d * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";

    public static string Readme(FinetuneBundleInput input)
    {
        var s = input.Summary;
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("# Needle finetuned model\n\n");
        sb.Append(ci, $"Finetuned from `{s.BaseModel}` for {s.ToolCount} tool(s): {input.Train.Count} training, {input.Val.Count} validation and {input.Test.Count} test examples");
        sb.Append(s.Plan is { } pl ? string.Create(ci, $", {pl.Epochs} epoch(s), {pl.TotalSteps} optimizer steps.\n\n") : ".\n\n");

        int n = s.Finetuned?.N ?? s.Base?.N ?? 0;
        sb.Append(ci, $"## Results on the held-out test split ({n} examples with calls)\n\n| Metric | Base | Finetuned |\n|---|---|---|\n");
        foreach (var (_, label, get) in Metrics)
            sb.Append(ci, $"| {label} | {Pct(s.Base is null ? null : get(s.Base))} | {Pct(s.Finetuned is null ? null : get(s.Finetuned))} |\n");
        var tools = ToolNames(s);
        if (tools.Count > 0)
        {
            sb.Append("\n### Per tool (calls reproduced exactly)\n\n| Tool | Base | Finetuned |\n|---|---|---|\n");
            foreach (var t in tools)
                sb.Append(ci, $"| `{t}` | {ToolCell(s.Base, t)} | {ToolCell(s.Finetuned, t)} |\n");
        }

        sb.Append("\n## Training settings\n\n");
        if (s.Plan is { } p)
        {
            sb.Append(ci, $"- Epochs: {p.Epochs}; batch size: {p.BatchSize} packed rows; steps: {p.TotalSteps} ({p.StepsPerEpoch} per epoch)\n");
            sb.Append(ci, $"- Schedule: warmup-stable-decay, {p.WarmupSteps} warmup / {p.StableSteps} stable / {p.DecaySteps} decay steps\n");
            foreach (var a in p.Adjustments) sb.Append("- Adjusted: ").Append(a).Append('\n');
        }
        var o = s.Optimizer;
        sb.Append(ci, $"- Optimizers: Muon (lr {o.MuonLearningRate}, momentum {o.MuonMomentum}, weight decay {o.MuonWeightDecay}) for attention and contrastive kernels; AdamW (lr {o.AdamLearningRate}, betas {o.Beta1}/{o.Beta2}) for the rest; gradient clipping at global norm {o.MaxGradNorm}\n");
        sb.Append(ci, $"- Loss weights: structure {s.Weights.Base}, tool names {s.Weights.Name}, argument values {s.Weights.Value}, argument keys {s.Weights.Key}\n");
        sb.Append(ci, $"- Split: per tool, 10 validation / 10 test examples (fewer for small tools), seed {s.Seed}\n");
        if (s.Duration is { } dur) sb.Append(ci, $"- Training time: {dur:hh\\:mm\\:ss}\n");

        string query = input.Test.FirstOrDefault()?.Query ?? input.Train.FirstOrDefault()?.Query ?? "What's the weather in Paris?";
        sb.Append("\n## Run it\n\n```sh\n");
        sb.Append("needle run --checkpoint checkpoint.pkl --tools @tools.json --query ").Append(ShellQuote(query)).Append('\n');
        sb.Append("```\n\nOr load `checkpoint.pkl` in the playground (Models page) and paste `tools.json` into the tools panel.\n");

        sb.Append("\n## Contents\n\n");
        sb.Append("- `checkpoint.pkl`: the finetuned weights (Needle pickle, float16)\n");
        if (input.TokenizerModelPath is not null) sb.Append("- `tokenizer.model`: the SentencePiece tokenizer the model uses\n");
        sb.Append("- `tools.json`: the tool definitions the model was tuned for\n");
        sb.Append("- `train.jsonl`, `val.jsonl`, `test.jsonl`: the data splits (one example per line)\n");
        sb.Append("- `eval_report.json`: base vs finetuned metrics, per tool, and the settings\n");
        sb.Append("- `loss_history.json`, `loss_history.csv`, `loss_curve.svg`: the training curve\n");
        return sb.ToString();
    }

    private static string ToolCell(ToolEvalMetrics? m, string tool) =>
        m is not null && m.PerTool.TryGetValue(tool, out var s) ? $"{s.Correct}/{s.Total}" : "n/a";

    private static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''").Replace("\n", " ") + "'";
}
