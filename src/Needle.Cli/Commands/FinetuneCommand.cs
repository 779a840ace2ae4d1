using System.CommandLine;
using Needle.Core.Training;
using Needle.Core.Training.Finetune;
using Spectre.Console;

namespace Needle.Cli.Commands;

/// <summary>
/// `needle finetune DATA.jsonl --checkpoint PATH`: the whole finetune run (needle-model.md §5) with progress, the
/// upstream <c>BASE_EVAL:{json}</c> / <c>FINETUNED_EVAL:{json}</c> lines (§6.1), and the bundle path. Exit codes:
/// 0 done, 1 failed, 2 data refused, 130 cancelled.
/// </summary>
public sealed class FinetuneCommand : ICliCommand
{
    /// <summary>How the runner is made; tests swap in fake engines.</summary>
    internal static Func<FinetuneRunner> CreateRunner { get; set; } = () => new FinetuneRunner();

    public Command Build()
    {
        var data = new Argument<string>("data") { Description = "Training data: JSONL rows with query, tools and answers." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Base Needle .pkl checkpoint to start from (default: checkpoints/needle.pkl, else the built-in checkpoints/needle-mini)." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "SentencePiece .model (default: found beside the checkpoint)." };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training data (raised to reach --min-steps).", DefaultValueFactory = _ => 1 };
        var batch = new Option<int>("--batch-size") { Description = "Packed rows per optimizer step (lowered for small data).", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Peak AdamW learning rate (embedding, norms, gates).", DefaultValueFactory = _ => 3e-5 };
        var muonLr = new Option<double>("--muon-lr") { Description = "Peak Muon learning rate (attention kernels).", DefaultValueFactory = _ => 0.02 };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, batch order and dropout.", DefaultValueFactory = _ => 42 };
        var outDir = new Option<string>("--out", "--checkpoint-dir") { Description = "Folder for checkpoints and the bundle.", DefaultValueFactory = _ => "checkpoints" };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Stop after this many optimizer steps." };
        var minSteps = new Option<int>("--min-steps") { Description = "At least this many optimizer steps (0: upstream's floor(rows/batch)×epochs).", DefaultValueFactory = _ => 20 };
        var noDropout = new Option<bool>("--no-dropout") { Description = "Train without dropout." };
        var maxEnc = new Option<int>("--max-enc-len") { Description = "Encoder length (query + tools).", DefaultValueFactory = _ => SpecialTokens.MaxEncLen };
        var maxDec = new Option<int>("--max-dec-len") { Description = "Decoder length (answer + 3).", DefaultValueFactory = _ => SpecialTokens.MaxDecLen };
        var maxGen = new Option<int>("--max-gen-len") { Description = "Decoder length for the evaluations (at most N-1 tokens).", DefaultValueFactory = _ => SpecialTokens.MaxDecLen };
        var noBundle = new Option<bool>("--no-bundle") { Description = "Do not write the download bundle (zip)." };

        var command = new Command("finetune", "Finetune a Needle checkpoint on your tool-call data: split, base eval, train, finetuned eval, bundle.");
        command.Arguments.Add(data);
        foreach (var o in new Option[] { checkpoint, tokenizer, epochs, batch, lr, muonLr, seed, outDir, maxSteps, minSteps, noDropout, maxEnc, maxDec, maxGen, noBundle })
            command.Options.Add(o);
        command.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var output = pr.InvocationConfiguration.Output;
            var error = pr.InvocationConfiguration.Error;
            int min = pr.GetValue(minSteps);
            var settings = new FinetuneSettings
            {
                Epochs = pr.GetValue(epochs), BatchSize = pr.GetValue(batch), Seed = pr.GetValue(seed),
                OutputDirectory = pr.GetValue(outDir)!, MaxSteps = pr.GetValue(maxSteps),
                MinSteps = min, UpstreamStepCount = min == 0, Dropout = !pr.GetValue(noDropout),
                MaxEncLen = pr.GetValue(maxEnc), MaxDecLen = pr.GetValue(maxDec), MaxGenLen = pr.GetValue(maxGen), WriteBundle = !pr.GetValue(noBundle),
                Optimizer = new OptimizerSettings { AdamLearningRate = pr.GetValue(lr), MuonLearningRate = pr.GetValue(muonLr) },
            };
            string checkpointPath;
            string? tokenizerPath;
            try { (checkpointPath, tokenizerPath) = DefaultCheckpoint.Resolve(pr.GetValue(checkpoint), pr.GetValue(tokenizer), error); }
            catch (FileNotFoundException e)
            {
                error.WriteLine($"needle finetune: {e.Message}");
                return 1;
            }
            var request = new FinetuneRequest
            {
                DataPath = pr.GetValue(data), CheckpointPath = checkpointPath, TokenizerPath = tokenizerPath, Settings = settings,
            };
            FinetuneResult result;
            try
            {
                var runner = CreateRunner();
                result = Interactive(output)
                    ? await RunWithBar(runner, request, ct)
                    : await runner.RunAsync(request, new LinePrinter(output.WriteLine), ct);
            }
            catch (ArgumentException e)
            {
                error.WriteLine($"needle finetune: {e.Message}");
                return 2;
            }
            switch (result.Outcome)
            {
                case FinetuneOutcome.Succeeded:
                    output.WriteLine($"Best checkpoint: {result.BestCheckpointPath}");
                    if (result.BundlePath is not null) output.WriteLine($"Bundle: {result.BundlePath}");
                    return 0;
                case FinetuneOutcome.Cancelled:
                    error.WriteLine($"needle finetune: {result.Error}");
                    return 130;
                default:
                    error.WriteLine($"needle finetune: {result.Error}");
                    return result.Outcome == FinetuneOutcome.Refused ? 2 : 1;
            }
        });
        return command;
    }

    // A live bar only on a real terminal; redirected output (and tests) get plain lines.
    private static bool Interactive(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    private static Task<FinetuneResult> RunWithBar(FinetuneRunner runner, FinetuneRequest request, CancellationToken ct) =>
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var bar = ctx.AddTask("Preparing", maxValue: 1);
                var printer = new LinePrinter(AnsiConsole.WriteLine, steps: false);
                var progress = new SyncProgress(e =>
                {
                    printer.Report(e);
                    switch (e)
                    {
                        case PhaseChanged p:
                            // Steps fill the bar while training; other phases show their name on an empty bar, done on a full one.
                            bar.Description = p.Phase.ToString();
                            if (p.Phase != TrainingPhase.Training) { bar.MaxValue = 1; bar.Value = p.Phase is TrainingPhase.Done ? 1 : 0; }
                            break;
                        case StepCompleted s:
                            bar.MaxValue = Math.Max(1, s.TotalSteps);
                            bar.Value = s.Step;
                            bar.Description = FormattableString.Invariant($"Training  loss {s.Loss:0.0000}  {s.TokensPerSecond:0} tok/s");
                            break;
                    }
                });
                return await runner.RunAsync(request, progress, ct);
            });

    private sealed class SyncProgress(Action<TrainingEvent> report) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value) => report(value);
    }
}

/// <summary>
/// Events as plain lines: log and phase text as is, the upstream eval lines, and optimizer steps (every step for
/// short runs, otherwise about every 5% of the run).
/// </summary>
internal sealed class LinePrinter(Action<string> writeLine, bool steps = true) : IProgress<TrainingEvent>
{
    public void Report(TrainingEvent e)
    {
        switch (e)
        {
            case PhaseChanged p: writeLine(p.Message); break;
            case TrainingLog l: writeLine(l.Text); break;
            case EvalCompleted { Metrics: { } m } ev: writeLine(m.ToEmitLine(ev.Which == "base" ? "BASE_EVAL" : "FINETUNED_EVAL")); break;
            case StepCompleted s when steps && ShouldPrint(s): writeLine(StepLine(s)); break;
        }
    }

    private static bool ShouldPrint(StepCompleted s) =>
        s.TotalSteps <= 50 || s.Step == s.TotalSteps || s.Step % Math.Max(1, s.TotalSteps / 20) == 0;

    internal static string StepLine(StepCompleted s) => FormattableString.Invariant(
        $"  step {s.Step}/{s.TotalSteps}  epoch {s.Epoch}/{s.Epochs}  loss {s.Loss:0.0000}  lr {s.AdamLearningRate:0.0e+00}/{s.MuonLearningRate:0.0e+00}  {s.TokensPerSecond:0} tok/s") +
        (s.Eta is { } eta ? $"  ETA {eta:hh\\:mm\\:ss}" : "");
}
