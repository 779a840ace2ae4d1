using System.Diagnostics;
using Needle.Core.Checkpoints;
using Needle.Core.Data;
using Needle.Core.Inference;
using Needle.Core.Model;
using Needle.Core.Tokenization;
using Needle.Core.Training;
using Needle.Core.Training.Finetune;
using Needle.Synthesis.Catalog;
using Needle.Synthesis.Records;

namespace Needle.Synthesis.Pretrain;

/// <summary>What a pretraining run produced.</summary>
public sealed record PretrainResult
{
    public required bool Finished { get; init; }
    public required PretrainState State { get; init; }
    public string? ModelPath { get; init; }
    public string? TokenizerPath { get; init; }
    public string? ModelCardPath { get; init; }

    /// <summary>Exact match etc. on examples whose tools were never trained on (null until finished).</summary>
    public ToolEvalMetrics? HeldOutMetrics { get; init; }

    /// <summary>The last segment's test metrics on training-catalogue tools (queries it never trained on).</summary>
    public ToolEvalMetrics? TrainToolMetrics { get; init; }
}

/// <summary>
/// Trains a Needle model from scratch on the tool catalogue (`needle pretrain`). The steps are cut into segments; each
/// segment draws fresh examples from the seeded <see cref="PretrainCorpus"/> stream (train tools only), runs the real
/// trainer through <see cref="FinetuneRunner"/> from the previous segment's checkpoint, and saves the checkpoint and the
/// resume state atomically. At the end the held-out catalogue tools are evaluated (constrained decoding, the same
/// metrics as finetuning) and the model, its tokenizer, metrics.json and a model card are written.
/// </summary>
public sealed class PretrainRunner(Func<FinetuneRunner>? createRunner = null)
{
    private readonly Func<FinetuneRunner> _createRunner = createRunner ?? (() => new FinetuneRunner());

    public PretrainResult Run(PretrainOptions options, Action<string>? log = null, CancellationToken ct = default)
    {
        log ??= _ => { };
        var preset = options.Preset;
        var steps = options.Steps ?? preset.Steps;
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var outDir = Path.GetFullPath(options.OutputDirectory);
        Directory.CreateDirectory(outDir);
        var catalog = ToolCatalog.Load(options.CatalogDirectory);
        var tokenizer = SentencePieceTokenizer.Load(options.TokenizerPath);
        if (tokenizer.VocabSize != preset.Config.VocabSize)
            throw new InvalidDataException($"{options.TokenizerPath}: {tokenizer.VocabSize} pieces, but preset '{preset.Name}' needs {preset.Config.VocabSize}.");
        var tokenizerCopy = Path.Combine(outDir, Path.ChangeExtension(options.ModelFileName, ".model"));
        if (!File.Exists(tokenizerCopy) || !File.ReadAllBytes(tokenizerCopy).AsSpan().SequenceEqual(File.ReadAllBytes(options.TokenizerPath)))
            AtomicFile.Write(tokenizerCopy, s => s.Write(File.ReadAllBytes(options.TokenizerPath)));

        var state = options.Resume ? PretrainState.Load(outDir) : null;
        if (state is not null)
        {
            if (state.Preset != preset.Name || state.Seed != options.Seed || state.Steps != steps)
                throw new ArgumentException($"{Path.Combine(outDir, PretrainState.FileName)} is for preset {state.Preset}, seed {state.Seed}, {state.Steps} steps; " +
                                            $"this run asks for {preset.Name}, seed {options.Seed}, {steps} steps.");
            log($"Resuming after segment {state.SegmentsDone} (step {state.StepsDone}/{steps}, corpus position {state.CorpusPosition}).");
        }
        else
        {
            var init = Path.Combine(outDir, "segment-000.pkl");
            CheckpointFile.Save(init, new CheckpointData
            {
                Params = NeedleWeights.RandomInit(preset.Config, options.Seed).ToDictionary(), Config = preset.Config.ToDictionary(),
            });
            state = new PretrainState { Preset = preset.Name, Seed = options.Seed, Steps = steps, SegmentsDone = 0, StepsDone = 0, CorpusPosition = 0, Checkpoint = Path.GetFileName(init) };
            state.Save(outDir);
            log($"Preset {preset.Name}: d_model {preset.Config.DModel}, {preset.Config.NumEncoderLayers}+{preset.Config.NumDecoderLayers} layers, " +
                $"{NeedleWeights.RandomInit(preset.Config, 0).ParameterCount:N0} parameters, {steps} steps in segments of {preset.StepsPerSegment}.");
        }

        var trainPool = catalog.Tools.Where(t => !catalog.HeldOutNames.Contains(t.Tool.Name)).ToList();
        var corpus = new PretrainCorpus(trainPool, new PretrainCorpusOptions
        {
            Seed = options.Seed, MaxToolsPerExample = preset.MaxToolsPerExample, RenameProbability = preset.RenameProbability,
        });
        ToolEvalMetrics? trainToolMetrics = null;
        var segmentsThisRun = 0;
        var segments = (steps + preset.StepsPerSegment - 1) / preset.StepsPerSegment;
        while (state.SegmentsDone < segments)
        {
            if (options.MaxSegmentsThisRun is { } max && segmentsThisRun >= max)
                return new PretrainResult { Finished = false, State = state };
            ct.ThrowIfCancellationRequested();
            var segment = state.SegmentsDone + 1;
            var segmentSteps = Math.Min(preset.StepsPerSegment, steps - state.StepsDone);
            var examples = corpus.Stream(state.CorpusPosition).Take(preset.ExamplesPerSegment).Select(ToExample).ToList();
            var watch = Stopwatch.StartNew();
            var result = _createRunner().Run(new FinetuneRequest
            {
                Examples = examples,
                CheckpointPath = Path.Combine(outDir, state.Checkpoint),
                Tokenizer = tokenizer,
                Settings = SegmentSettings(preset, options.Seed + segment, segmentSteps, Path.Combine(outDir, "work", $"segment-{segment:000}"), last: segment == segments),
            }, new SegmentLog(log, segment, segments), ct);
            if (!result.Succeeded) throw new InvalidOperationException($"Segment {segment} failed: {result.Error}");
            var next = $"segment-{segment:000}.pkl";
            AtomicFile.Write(Path.Combine(outDir, next), s => s.Write(File.ReadAllBytes(result.LastCheckpointPath!)));
            Directory.Delete(Path.Combine(outDir, "work", $"segment-{segment:000}"), recursive: true);
            var previous = state.Checkpoint;
            state = state with
            {
                SegmentsDone = segment, StepsDone = state.StepsDone + result.StepsDone, CorpusPosition = state.CorpusPosition + examples.Count,
                Checkpoint = next, TrainSeconds = state.TrainSeconds + watch.Elapsed.TotalSeconds,
            };
            state.Save(outDir);
            if (previous != next) File.Delete(Path.Combine(outDir, previous));
            trainToolMetrics = result.FinetunedMetrics;
            segmentsThisRun++;
            log($"Segment {segment}/{segments} done: step {state.StepsDone}/{steps}, {watch.Elapsed.TotalSeconds:F0} s" +
                (trainToolMetrics is { } m ? $", exact match {m.ExactMatch:P1} on train-tool test queries." : "."));
        }

        // Held-out evaluation: examples whose prompts contain only tools the model never trained on.
        var heldPool = catalog.Tools.Where(t => catalog.HeldOutNames.Contains(t.Tool.Name)).ToList();
        var heldOut = new PretrainCorpus(heldPool, new PretrainCorpusOptions { Seed = options.Seed + 1_000_003, MaxToolsPerExample = preset.MaxToolsPerExample })
            .Take(preset.HeldOutExamples).Select(ToExample).ToList();
        var modelPath = Path.Combine(outDir, options.ModelFileName);
        AtomicFile.Write(modelPath, s => s.Write(File.ReadAllBytes(Path.Combine(outDir, state.Checkpoint))));
        ToolEvalMetrics? heldMetrics;
        using (var runtime = NeedleRuntime.Load(modelPath, tokenizerCopy))
            heldMetrics = ToolCallEvaluator.QuickEval(runtime.Generator, heldOut, preset.MaxDecLen, preset.MaxEncLen, cancellationToken: ct);
        if (heldMetrics is not null) log(heldMetrics.ToEmitLine("HELDOUT_EVAL"));
        AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), ModelCard.MetricsJson(heldMetrics, trainToolMetrics));
        var card = Path.Combine(outDir, "MODEL_CARD.md");
        AtomicFile.WriteAllText(card, ModelCard.Render(options, steps, catalog, state, heldMetrics, trainToolMetrics, heldOut.Count));
        return new PretrainResult
        {
            Finished = true, State = state, ModelPath = modelPath, TokenizerPath = tokenizerCopy, ModelCardPath = card,
            HeldOutMetrics = heldMetrics, TrainToolMetrics = trainToolMetrics,
        };
    }

    // Generation-driven evals cost minutes per segment on a CPU: only the last segment keeps a test split (one query
    // per tool, the card's train-tool row); validation pools stay small.
    private static FinetuneSettings SegmentSettings(PretrainPreset preset, int seed, int steps, string dir, bool last) => new()
    {
        OutputDirectory = dir, Seed = seed, BatchSize = preset.BatchSize, Epochs = 1, MinSteps = steps, MinStepsPerEpoch = 1,
        MaxSteps = steps, MaxEpochs = 100, MaxEncLen = preset.MaxEncLen, MaxDecLen = preset.MaxDecLen, MaxGenLen = preset.MaxDecLen,
        Optimizer = new OptimizerSettings { AdamLearningRate = preset.AdamLearningRate, MuonLearningRate = preset.MuonLearningRate },
        Weights = LossWeights.Finetune, WriteBundle = false, QuantizedValidation = false, ValPerTool = 1, TestPerTool = last ? 1 : 0,
        ValPoolPerBucket = 2, Validation = new DataValidationOptions { MinCallsPerTool = 0, WarnCallsPerTool = 0, MaxWarnings = 0 },
        StartTime = DateTimeOffset.UnixEpoch,
    };

    private static ToolCallExample ToExample(SynthesisRecord r) => new()
    {
        Query = r.Query, Tools = r.Tools, Answers = r.Answers, Source = r.Source, Model = r.Model, CallType = r.CallType, NumTools = r.NumTools,
        SynthTools = r.SynthTools, SplitKey = r.SplitKey,
    };

    /// <summary>Forwards the finetune runner's log lines, prefixed with the segment.</summary>
    private sealed class SegmentLog(Action<string> log, int segment, int segments) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent e)
        {
            switch (e)
            {
                case StepCompleted s: log($"[{segment}/{segments}] step {s.Step}/{s.TotalSteps} loss {s.Loss:F4} {s.TokensPerSecond:F0} tok/s"); break;
                case TrainingLog l: log($"[{segment}/{segments}] {l.Text}"); break;
            }
        }
    }
}
