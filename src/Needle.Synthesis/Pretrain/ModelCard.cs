using System.Globalization;
using System.Text;
using Needle.Core.Training;
using Needle.Synthesis.Catalog;

namespace Needle.Synthesis.Pretrain;

/// <summary>The model card (MODEL_CARD.md) and metrics.json of a finished pretraining run.</summary>
public static class ModelCard
{
    public static string MetricsJson(ToolEvalMetrics? heldOut, ToolEvalMetrics? trainTools) =>
        "{\"held_out_tools\": " + (heldOut?.ToUpstreamJson() ?? "null") + ", \"train_tools\": " + (trainTools?.ToUpstreamJson() ?? "null") + "}\n";

    public static string Render(PretrainOptions options, int steps, ToolCatalog catalog, PretrainState state,
        ToolEvalMetrics? heldOut, ToolEvalMetrics? trainTools, int heldOutExamples)
    {
        var p = options.Preset;
        var c = p.Config;
        var inv = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.AppendLine(inv, $"# {Path.GetFileNameWithoutExtension(options.ModelFileName)}");
        b.AppendLine();
        b.AppendLine("A small Needle-architecture model trained from scratch by this repository's own recipe (`needle pretrain`), on");
        b.AppendLine("offline-generated tool-call examples over the tool catalogue in `src/Needle.Synthesis/Catalog/Data`. It knows the tool-call format;");
        b.AppendLine("it is a starting point for finetuning on your tools, not a general assistant.");
        b.AppendLine();
        b.AppendLine("## Config");
        b.AppendLine();
        b.AppendLine(inv, $"preset `{p.Name}`: vocab {c.VocabSize}, d_model {c.DModel}, heads {c.NumHeads} (KV {c.NumKvHeads}), " +
                          $"layers {c.NumEncoderLayers} encoder + {c.NumDecoderLayers} decoder, contrastive dim {c.ContrastiveDim}, " +
                          $"{Core.Model.NeedleWeights.RandomInit(c, 0).ParameterCount:N0} parameters, stored as float16.");
        b.AppendLine();
        b.AppendLine("## Data");
        b.AppendLine();
        b.AppendLine(inv, $"{catalog.Tools.Count} catalogue tools in {catalog.Domains.Count} domains; {catalog.HeldOutNames.Count} held out " +
                          $"(`heldout.json` of the catalogue) and never shown in training. {state.CorpusPosition:N0} training examples " +
                          $"(1–{p.MaxToolsPerExample} tools per prompt, distractors, single / multi / no-call), seed {options.Seed}.");
        if (p.RenameProbability > 0)
            b.AppendLine(inv, $"In {p.RenameProbability:P0} of the examples the tools and parameters carry made-up names (the same in prompt and " +
                              $"answer), so the model learns to copy names from the tool list instead of memorising the catalogue.");
        b.AppendLine();
        b.AppendLine("## Training");
        b.AppendLine();
        b.AppendLine(inv, $"{state.StepsDone} optimizer steps of {p.BatchSize} packed rows (enc {p.MaxEncLen}, dec {p.MaxDecLen}), " +
                          $"{p.Segments} segments (optimizer restarted per segment), AdamW {p.AdamLearningRate} / Muon {p.MuonLearningRate}; " +
                          $"{TimeSpan.FromSeconds(state.TrainSeconds):hh\\:mm\\:ss} of training on {Environment.ProcessorCount} CPU cores.");
        b.AppendLine();
        b.AppendLine("## Metrics");
        b.AppendLine();
        b.AppendLine("| | exact match | call F1 | name F1 | args acc | parse rate | n |");
        b.AppendLine("|---|---|---|---|---|---|---|");
        Row(b, $"held-out tools ({heldOutExamples} examples, tools never seen)", heldOut);
        Row(b, "train tools (unseen queries, last segment's test split)", trainTools);
        b.AppendLine();
        b.AppendLine("## Reproduce");
        b.AppendLine();
        b.AppendLine("```");
        b.AppendLine("/usr/bin/python3 tools/mini/make_tokenizer.py");
        var rename = p.RenameProbability > 0 ? string.Create(inv, $" --rename-share {p.RenameProbability}") : "";
        b.AppendLine(inv, $"needle pretrain --preset {p.Name} --seed {options.Seed} --steps {steps}{rename} --out checkpoints/needle-mini");
        b.AppendLine("```");
        return b.ToString();
    }

    private static void Row(StringBuilder b, string label, ToolEvalMetrics? m)
    {
        if (m is null) { b.AppendLine(CultureInfo.InvariantCulture, $"| {label} | – | – | – | – | – | 0 |"); return; }
        b.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {m.ExactMatch:F3} | {m.CallF1:F3} | {m.NameF1:F3} | {m.ArgsAcc:F3} | {m.ParseRate:F3} | {m.N} |");
    }
}
