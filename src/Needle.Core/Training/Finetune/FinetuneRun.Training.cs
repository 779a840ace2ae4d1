using System.Diagnostics;
using System.Globalization;
using Needle.Core.Checkpoints;
using Needle.Core.Data;
using Needle.Core.Inference;

namespace Needle.Core.Training.Finetune;

internal sealed partial class FinetuneRun
{
    private int _lastSavedStep = -1;

    // ---- 4. train ------------------------------------------------------------------------------------------

    private void Train(PackedBins trainBins, PackedBins valBins, IReadOnlyList<ToolCallExample> keptVal)
    {
        var plan = _plan!;
        int totalSteps = _s.MaxSteps is int max ? Math.Min(plan.TotalSteps, max) : plan.TotalSteps;
        int epochs = totalSteps < plan.TotalSteps ? (totalSteps + plan.StepsPerEpoch - 1) / plan.StepsPerEpoch : plan.Epochs;
        if (totalSteps < plan.TotalSteps) Log($"  Stopping after {totalSteps} optimizer steps (max steps).");
        Phase(TrainingPhase.Training,
            $"Training {epochs} epoch(s), {totalSteps} steps, batch size {plan.BatchSize} ({trainBins.Count} packed rows), from {Path.GetFileName(request.CheckpointPath)}");

        var naming = new RunFiles(_s.OutputDirectory, CheckpointNaming.RunId(_start, Environment.ProcessId), _config.NumEncoderLayers, _config.DModel);
        using var trainer = engine.CreateTrainer(new TrainerSetup
        {
            Parameters = Copy(_baseCheckpoint.Params), Config = _config, TotalSteps = totalSteps,
            Optimizer = _s.Optimizer, Weights = _s.Weights, Dropout = _s.Dropout, Seed = _s.Seed,
        });
        var batcher = new BinBatcher(trainBins, plan.BatchSize, (uint)_s.Seed);
        var selector = new BestCheckpointSelector();
        var eta = new EtaEstimator(totalSteps);
        var clock = Stopwatch.StartNew();
        int step = 0;
        try
        {
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                double lossSum = 0; int lossCount = 0;
                foreach (var batch in batcher.NextEpoch())
                {
                    if (step >= totalSteps) break;
                    ct.ThrowIfCancellationRequested();
                    var stepClock = Stopwatch.StartNew();
                    var r = trainer.Step(batch, step, ct);
                    if (!r.IsFinite || !r.Applied)
                        throw new NonFiniteLossException(string.Create(CultureInfo.InvariantCulture,
                            $"Training stopped at step {step + 1}: the loss became non-finite (loss {r.Loss}, gradient norm {r.GradNorm}). Try a lower learning rate."));
                    step++;
                    _stepsDone = step;
                    eta.Record(stepClock.Elapsed);
                    lossSum += r.Loss; lossCount++;
                    int tokens = batch.EncSeg.Count(x => x > 0) + batch.TokenCount;
                    var e = new StepCompleted(step, totalSteps, epoch + 1, epochs, r.Loss, r.AdamLearningRate, r.MuonLearningRate, r.GradNorm,
                        tokens / Math.Max(stepClock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed, eta.Eta(step));
                    _history.Add(e);
                    Report(e);
                }
                EndEpoch(trainer, naming, selector, epoch, epochs, step, lossCount == 0 ? double.NaN : lossSum / lossCount, valBins, keptVal);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or NonFiniteLossException)
        {
            SaveLastGood(trainer, naming, step);
            throw;
        }

        if (selector.BestEpoch is null)
        {
            CopyAtomically(_lastGood!, naming.Best);
            Log($"Promoted final checkpoint to best: {naming.Best}");
        }
        _best = naming.Best;
        Log(string.Create(CultureInfo.InvariantCulture, $"Best checkpoint (call_f1={Pct(selector.Best)}): {_best}"));
        Log("Training complete.");
    }

    private void EndEpoch(ITrainStepper trainer, RunFiles naming, BestCheckpointSelector selector, int epoch, int epochs, int step,
                          double trainLoss, PackedBins valBins, IReadOnlyList<ToolCallExample> keptVal)
    {
        var (ppl, quantPpl) = (ValPerplexity(trainer, valBins, false), ValPerplexity(trainer, valBins, true));
        var weights = trainer.Snapshot();
        if (!AllFinite(weights))
            throw new NonFiniteLossException($"Training stopped at the end of epoch {epoch + 1}: the weights became non-finite. Try a lower learning rate.");
        var path = naming.ForStep(step);
        CheckpointFile.Save(path, AsCheckpoint(weights));
        _checkpoints.Add(path); _lastGood = path; _lastSavedStep = step;

        var evalWeights = _s.QuantizedValidation ? FakeQuantized(weights) : weights;
        var (single, multi) = EvalPool.BuildPools(keptVal, epoch, _s.ValPoolPerBucket);
        PoolMetrics? singleM, multiM;
        var model = engine.CreateModel(AsCheckpoint(evalWeights), Path.GetFileName(path));
        try
        {
            var generator = new Generator(model, _tokenizer);
            singleM = ToolCallEvaluator.PoolEval(generator, single, _s.MaxGenLen, _s.MaxEncLen, _s.EvalBatchSize, ct);
            multiM = ToolCallEvaluator.PoolEval(generator, multi, _s.MaxGenLen, _s.MaxEncLen, _s.EvalBatchSize, ct);
        }
        finally { (model as IDisposable)?.Dispose(); }

        bool newBest = selector.Offer(epoch, singleM);
        if (newBest)
        {
            CopyAtomically(path, naming.Best);
            Log(string.Create(CultureInfo.InvariantCulture, $"  ** New best single call_f1={Pct(selector.Best)} → {naming.Best}"));
        }
        var e = new EpochCompleted(epoch + 1, epochs, step, trainLoss, ppl, quantPpl, singleM?.CallF1, multiM?.CallF1, newBest, path);
        _history.Add(e);
        Report(e);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"Epoch {epoch + 1}/{epochs}: text loss {trainLoss:0.0000}, val ppl {Fmt(ppl)}, quant ppl {Fmt(quantPpl)}, single call_f1 {Opt(singleM?.CallF1)}, multi call_f1 {Opt(multiM?.CallF1)}, checkpoint {path}"));
    }

    private static string Fmt(double? v) => v is double d ? d.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
    private static string Opt(double? v) => v is double d ? Pct(d) : "n/a";

    /// <summary>
    /// Validation perplexity (§4.2) over every val row in batches (upstream uses only full batches, which gives
    /// exp(0) = 1.00 for small val sets, §10 #4). Null when the trainer cannot evaluate.
    /// </summary>
    private double? ValPerplexity(ITrainStepper trainer, PackedBins valBins, bool quantized)
    {
        double sum = 0; long tokens = 0;
        int batch = Math.Max(1, _plan!.BatchSize);
        for (int i = 0; i < valBins.Count; i += batch)
        {
            ct.ThrowIfCancellationRequested();
            var rows = Enumerable.Range(i, Math.Min(batch, valBins.Count - i)).ToArray();
            if (trainer.Evaluate(BinBatcher.Gather(valBins, rows), quantized) is not { } s) return null;
            sum += s.LossSum; tokens += s.Tokens;
        }
        return TextLoss.Perplexity(sum, tokens);
    }

    /// <summary>On an early stop: keep the current weights as a checkpoint when they are finite and newer than the last save.</summary>
    private void SaveLastGood(ITrainStepper trainer, RunFiles naming, int step)
    {
        if (step <= _lastSavedStep || step == 0) return;
        var weights = trainer.Snapshot();
        if (!AllFinite(weights)) return;
        var path = naming.ForStep(step);
        CheckpointFile.Save(path, AsCheckpoint(weights));
        _checkpoints.Add(path); _lastGood = path; _lastSavedStep = step;
    }

    /// <summary>Weights as a checkpoint with the base's config keys (a finetune re-saves the same subset, §1.4).</summary>
    private CheckpointData AsCheckpoint(IReadOnlyDictionary<string, NdArray> weights) =>
        new() { Params = weights, Config = _baseCheckpoint.Config };

    private static Dictionary<string, NdArray> Copy(IReadOnlyDictionary<string, NdArray> weights) =>
        weights.ToDictionary(kv => kv.Key, kv => new NdArray(kv.Value.Shape.ToArray(), kv.Value.Data.ToArray()), StringComparer.Ordinal);

    private static bool AllFinite(IReadOnlyDictionary<string, NdArray> weights)
    {
        foreach (var a in weights.Values)
            foreach (var v in a.Data)
                if (!float.IsFinite(v) || Math.Abs(v) > 65504f) return false; // must survive the float16 save
        return true;
    }

    /// <summary>INT4 fake quantization of every 2-D/3-D kernel (§5.5), as the epoch-end generation eval uses.</summary>
    internal static IReadOnlyDictionary<string, NdArray> FakeQuantized(IReadOnlyDictionary<string, NdArray> weights) =>
        weights.ToDictionary(kv => kv.Key,
            kv => FakeQuant.ShouldQuantize(kv.Key, kv.Value.Shape)
                ? new NdArray(kv.Value.Shape, FakeQuant.ApplyToLeaf(kv.Key, kv.Value.Shape, kv.Value.Data))
                : kv.Value,
            StringComparer.Ordinal);

    private static void CopyAtomically(string source, string destination) =>
        AtomicFile.Write(destination, s => { using var src = File.OpenRead(source); src.CopyTo(s); });

    /// <summary>This run's checkpoint paths (upstream names, §1.5, via <see cref="CheckpointNaming"/>).</summary>
    private sealed record RunFiles(string Directory, string RunId, int EncoderLayers, int DModel)
    {
        public string ForStep(int step) => Path.Combine(Directory, CheckpointNaming.EpochCheckpoint(RunId, EncoderLayers, DModel, step));
        public string Best => Path.Combine(Directory, CheckpointNaming.BestCheckpoint(RunId, EncoderLayers, DModel));
    }
}
