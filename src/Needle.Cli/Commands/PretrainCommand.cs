using System.CommandLine;
using Needle.Synthesis.Catalog;
using Needle.Synthesis.Pretrain;

namespace Needle.Cli.Commands;

/// <summary>
/// `needle pretrain --preset mini`: trains a small Needle model from scratch on the offline corpus of the tool catalogue
/// (see docs/needle-mini.md), resumable with --resume; writes the model, its tokenizer, metrics.json and MODEL_CARD.md.
/// Exit codes: 0 finished, 3 stopped early by --max-segments (resume later), 2 bad input, 130 cancelled.
/// </summary>
public sealed class PretrainCommand : ICliCommand
{
    public Command Build()
    {
        var preset = new Option<string>("--preset") { Description = "Recipe: mini (the shipped model) or tiny (seconds, for tests).", DefaultValueFactory = _ => "mini" };
        var outDir = new Option<string>("--out") { Description = "Output folder (model, tokenizer, state file, model card).", DefaultValueFactory = _ => Path.Combine("checkpoints", "needle-mini") };
        var steps = new Option<int?>("--steps") { Description = "Total optimizer steps (default: the preset's)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights, the corpus, batches and dropout.", DefaultValueFactory = _ => 42 };
        var resume = new Option<bool>("--resume") { Description = "Continue from pretrain-state.json in the output folder." };
        var catalog = new Option<string?>("--catalog") { Description = "Tool catalogue folder (default: the catalogue shipped beside the program)." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "SentencePiece model (default: OUT/needle-mini.model, made by tools/mini/make_tokenizer.py)." };
        var maxSegments = new Option<int?>("--max-segments") { Description = "Stop after this many segments in this run (continue later with --resume)." };
        var renameShare = new Option<double?>("--rename-share") { Description = "Share of examples whose tools/parameters get made-up names (default: the preset's, 0 for mini)." };

        var command = new Command("pretrain", "Train a small Needle model from scratch on the built-in tool catalogue (offline).");
        foreach (var o in new Option[] { preset, outDir, steps, seed, resume, catalog, tokenizer, maxSegments, renameShare }) command.Options.Add(o);
        command.SetAction((ParseResult pr, CancellationToken ct) => Task.FromResult(Execute(pr, ct)));
        return command;

        int Execute(ParseResult pr, CancellationToken ct)
        {
            var output = pr.InvocationConfiguration.Output;
            var error = pr.InvocationConfiguration.Error;
            try
            {
                var dir = pr.GetValue(outDir)!;
                var catalogDir = pr.GetValue(catalog) ?? ToolCatalog.FindDefault()
                    ?? throw new ArgumentException($"No tool catalogue found ({ToolCatalog.DefaultRelativePath} above the working folder); pass --catalog.");
                var options = new PretrainOptions
                {
                    Preset = WithRenameShare(PretrainPreset.Named(pr.GetValue(preset)!), pr.GetValue(renameShare)), OutputDirectory = dir, CatalogDirectory = catalogDir,
                    TokenizerPath = pr.GetValue(tokenizer) ?? Path.Combine(dir, "needle-mini.model"),
                    Seed = pr.GetValue(seed), Steps = pr.GetValue(steps), Resume = pr.GetValue(resume), MaxSegmentsThisRun = pr.GetValue(maxSegments),
                };
                if (!File.Exists(options.TokenizerPath))
                    throw new ArgumentException($"Tokenizer not found: {options.TokenizerPath} (make it with /usr/bin/python3 tools/mini/make_tokenizer.py, or pass --tokenizer).");
                var result = new PretrainRunner().Run(options, output.WriteLine, ct);
                if (!result.Finished)
                {
                    output.WriteLine($"Stopped after segment {result.State.SegmentsDone} (step {result.State.StepsDone}); continue with --resume.");
                    return 3;
                }
                output.WriteLine($"Model: {result.ModelPath}");
                output.WriteLine($"Model card: {result.ModelCardPath}");
                return 0;
            }
            catch (OperationCanceledException)
            {
                error.WriteLine("needle pretrain: cancelled; continue with --resume.");
                return 130;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
            {
                error.WriteLine($"needle pretrain: {e.Message}");
                return 2;
            }
        }
    }

    private static PretrainPreset WithRenameShare(PretrainPreset preset, double? share)
    {
        if (share is null) return preset;
        if (share is < 0 or > 1) throw new ArgumentException($"--rename-share must be between 0 and 1 (got {share}).");
        return preset with { RenameProbability = share.Value };
    }
}
