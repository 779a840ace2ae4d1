using System.Diagnostics;
using System.Globalization;
using Needle.Core.Checkpoints;
using Needle.Core.Data;
using Needle.Core.Json;
using Needle.Core.Inference;
using Needle.Core.Model;
using Needle.Core.Tokenization;

namespace Needle.Core.Training.Finetune;

/// <summary>Thrown inside a run to end it as Refused (unusable data).</summary>
internal sealed class FinetuneRefusedException(string message) : Exception(message);

/// <summary>Thrown inside a run when a step's loss or gradient is not finite.</summary>
internal sealed class NonFiniteLossException(string message) : Exception(message);

/// <summary>One execution of <see cref="FinetuneRunner"/>: the phases in order and the state they share.</summary>
internal sealed partial class FinetuneRun(IFinetuneEngine engine, FinetuneRequest request, IProgress<TrainingEvent>? progress, CancellationToken ct)
{
    private readonly FinetuneSettings _s = request.Settings;
    private readonly LossHistory _history = new();
    private readonly List<string> _checkpoints = [];
    private readonly Stopwatch _total = Stopwatch.StartNew();
    // One time stamp names the run's checkpoints and its bundle.
    private readonly DateTimeOffset _start = request.Settings.StartTime ?? DateTimeOffset.UtcNow;
    private FinetuneTimings _timings = new();
    private DataValidationReport? _report;
    private SplitSummary? _split;
    private TrainingPlan? _plan;
    private ToolEvalMetrics? _base, _finetuned;
    private string? _best, _lastGood, _bundle, _tokenizerPath;
    private int _stepsDone;

    private CheckpointData _baseCheckpoint = null!;
    private NeedleConfig _config = null!;
    private ITokenizer _tokenizer = null!;
    private IReadOnlyList<ToolCallExample> _all = [], _train = [], _val = [], _test = [];

    public FinetuneResult Execute()
    {
        try
        {
            var t = Stopwatch.StartNew();
            Validate();
            LoadModelAndTokenizer();
            _timings = _timings with { Validate = t.Elapsed };

            t.Restart();
            var (trainBins, valBins, keptVal) = SplitAndTokenize();
            _timings = _timings with { Tokenize = t.Elapsed };

            t.Restart();
            Phase(TrainingPhase.EvaluatingBase, $"Evaluating base model on {QuickToolEval.SelectSamples(_test).Count} test examples...");
            _base = EvaluateTest(_baseCheckpoint, Path.GetFileName(request.CheckpointPath), "base");
            _timings = _timings with { BaseEval = t.Elapsed };

            t.Restart();
            Train(trainBins, valBins, keptVal);
            _timings = _timings with { Train = t.Elapsed };

            t.Restart();
            Phase(TrainingPhase.EvaluatingFinetuned, $"Evaluating finetuned model on {QuickToolEval.SelectSamples(_test).Count} test examples...");
            _finetuned = EvaluateTest(CheckpointFile.Load(_best!), Path.GetFileName(_best!), "finetuned");
            _timings = _timings with { FinetunedEval = t.Elapsed };

            if (_s.WriteBundle)
            {
                t.Restart();
                Phase(TrainingPhase.Bundling, "Writing the bundle...");
                WriteBundle();
                _timings = _timings with { Bundle = t.Elapsed };
                Log($"Bundle ready: {_bundle}");
            }
            Phase(TrainingPhase.Done, "Done.");
            return Result(FinetuneOutcome.Succeeded, null, null);
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            var message = LastGoodNote("The finetune was cancelled.");
            Phase(TrainingPhase.Cancelled, message);
            return Result(FinetuneOutcome.Cancelled, message, e);
        }
        catch (FinetuneRefusedException e)
        {
            Phase(TrainingPhase.Failed, e.Message);
            return Result(FinetuneOutcome.Refused, e.Message, null);
        }
        catch (Exception e)
        {
            var message = e is NonFiniteLossException ? LastGoodNote(e.Message) : e.Message;
            Phase(TrainingPhase.Failed, "Error: " + message);   // upstream's log line
            return Result(FinetuneOutcome.Failed, message, e);
        }
    }

    private string LastGoodNote(string message) =>
        _lastGood is null ? message + " No checkpoint was written." : $"{message} The last good checkpoint is kept: {_lastGood}";

    private FinetuneResult Result(FinetuneOutcome outcome, string? error, Exception? exception) => new()
    {
        Outcome = outcome, Error = error, Exception = exception, Validation = _report, Split = _split, Plan = _plan,
        StepsDone = _stepsDone, BaseMetrics = _base, FinetunedMetrics = _finetuned, BestCheckpointPath = _best,
        LastCheckpointPath = _lastGood, Checkpoints = _checkpoints.ToList(), BundlePath = _bundle, History = _history,
        Timings = _timings with { Total = _total.Elapsed },
    };

    // ---- events --------------------------------------------------------------------------------------------

    private void Report(TrainingEvent e) => progress?.Report(e);
    private void Phase(TrainingPhase phase, string message) => Report(new PhaseChanged(phase, message));
    private void Log(string text) => Report(new TrainingLog(text));

    private static string Pct(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    // ---- 1. validate ---------------------------------------------------------------------------------------

    private void Validate()
    {
        Phase(TrainingPhase.Validating, "Validating training data...");
        if (request.DataPath is { } path)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"training data '{path}' does not exist.", path);
            var read = ExampleJsonlReader.ReadFile(path, _s.Validation);
            (_all, _report) = (read.Examples, read.Report);
        }
        else
        {
            _all = request.Examples!;
            _report = DataValidator.Validate(_all, _s.Validation);
        }
        Log(_report.Summary);
        foreach (var w in _report.Warnings) Log("  WARNING: " + w);
        if (!_report.CanTrain)
            throw new FinetuneRefusedException("The training data cannot be used: " + string.Join(" ", _report.Errors));
        ct.ThrowIfCancellationRequested();
    }

    private void LoadModelAndTokenizer()
    {
        (_baseCheckpoint, _config) = CheckpointFile.LoadValidated(request.CheckpointPath);
        if (request.Tokenizer is { } tok) { _tokenizer = tok; _tokenizerPath = request.TokenizerPath; }
        else
        {
            _tokenizerPath = request.TokenizerPath ?? NeedleRuntime.FindTokenizer(request.CheckpointPath);
            if (!File.Exists(_tokenizerPath)) throw new FileNotFoundException($"tokenizer '{_tokenizerPath}' does not exist.", _tokenizerPath);
            _tokenizer = SentencePieceTokenizer.Load(_tokenizerPath);
        }
        if (_tokenizer.VocabSize > _config.VocabSize)
            throw new InvalidDataException($"tokenizer '{_tokenizerPath ?? "(given)"}' has {_tokenizer.VocabSize} pieces but checkpoint " +
                                           $"'{request.CheckpointPath}' has a vocabulary of {_config.VocabSize}: they do not belong together.");
        ct.ThrowIfCancellationRequested();
    }

    // ---- 2. split and tokenize -----------------------------------------------------------------------------

    private (PackedBins Train, PackedBins Val, IReadOnlyList<ToolCallExample> KeptVal) SplitAndTokenize()
    {
        Phase(TrainingPhase.Tokenizing, "Splitting per tool and tokenizing...");
        SplitIndices split;
        try { split = PerToolSplit.Split(_all, _s.ValPerTool, _s.TestPerTool, _s.Seed); }
        catch (InvalidDataException e) { throw new FinetuneRefusedException(e.Message); }
        _train = split.Select(_all, split.Train); _val = split.Select(_all, split.Val); _test = split.Select(_all, split.Test);
        Log($"Split: {_train.Count} train / {_val.Count} val / {_test.Count} test (per-tool)");

        var encoding = new ExampleEncoderOptions { MaxEncLen = _s.MaxEncLen, MaxDecLen = _s.MaxDecLen };
        var trainEnc = ExampleEncoder.Prepare(_train, _tokenizer, encoding);
        ct.ThrowIfCancellationRequested();
        var valEnc = ExampleEncoder.Prepare(_val, _tokenizer, encoding);
        _split = new SplitSummary(_train.Count, _val.Count, _test.Count, trainEnc.Examples.Count, valEnc.Examples.Count, split.UsedFallback);
        if (trainEnc.Examples.Count == 0 || valEnc.Examples.Count == 0)
            throw new FinetuneRefusedException(
                $"No {(trainEnc.Examples.Count == 0 ? "training" : "validation")} example is short enough to train on " +
                $"(answers must fit in {_s.MaxDecLen - 3} tokens); {_train.Count} train / {_val.Count} val examples were given.");
        Log($"Tokenized: {trainEnc.Examples.Count} train / {valEnc.Examples.Count} val sequences");
        if (trainEnc.Skipped + valEnc.Skipped > 0)
            Log($"  WARNING: {trainEnc.Skipped + valEnc.Skipped} examples dropped: their answers are longer than {_s.MaxDecLen - 3} tokens");

        var trainBins = SequencePacker.Pack(trainEnc.Examples, _s.MaxEncLen, _s.MaxDecLen);
        var valBins = SequencePacker.Pack(valEnc.Examples, _s.MaxEncLen, _s.MaxDecLen);
        _plan = TrainingPlan.Create(trainBins.Count, _s.PlanOptions());
        foreach (var a in _plan.Adjustments) Log("  " + a);
        if (_plan.TotalSteps == 0)
            Log($"  WARNING: {trainBins.Count} packed rows at batch size {_plan.BatchSize} give 0 optimizer steps; the model will not change.");
        var keptVal = valEnc.KeptIndices.Select(i => _val[i]).ToList();
        ct.ThrowIfCancellationRequested();
        return (trainBins, valBins, keptVal);
    }

    // ---- 3/5. test evaluation ------------------------------------------------------------------------------

    private ToolEvalMetrics? EvaluateTest(CheckpointData checkpoint, string name, string which)
    {
        var model = engine.CreateModel(checkpoint, name);
        try
        {
            var generator = new Generator(model, _tokenizer);
            var metrics = ToolCallEvaluator.QuickEval(generator, _test, _s.MaxGenLen, _s.MaxEncLen, _s.EvalBatchSize, ct,
                (done, total) => Log($"  {which} eval: {done}/{total}"));
            Report(new EvalCompleted(which, metrics));
            if (metrics is not null)
                Log($"  {(which == "base" ? "Base" : "Finetuned")}: call_f1={Pct(metrics.CallF1)}, exact={Pct(metrics.ExactMatch)}");
            return metrics;
        }
        finally { (model as IDisposable)?.Dispose(); }
    }

    // ---- 6. bundle -----------------------------------------------------------------------------------------

    private void WriteBundle()
    {
        var path = Path.Combine(_s.OutputDirectory, FinetuneBundle.FileName(_start));
        FinetuneBundle.Write(path, new FinetuneBundleInput
        {
            CheckpointPath = _best!,
            TokenizerModelPath = _tokenizerPath is not null && File.Exists(_tokenizerPath) ? _tokenizerPath : null,
            ToolsJson = ToolUnion(_all),
            Train = _train, Val = _val, Test = _test,
            History = _history,
            Summary = new FinetuneRunSummary
            {
                BaseModel = Path.GetFileName(request.CheckpointPath),
                ToolCount = _report!.PerTool.Count,
                Duplicates = _report.Duplicates,
                Base = _base, Finetuned = _finetuned, Plan = _plan,
                Optimizer = _s.Optimizer, Weights = _s.Weights, Seed = _s.Seed,
                Duration = _total.Elapsed,
            },
        });
        _bundle = path;
    }

    /// <summary>Every distinct tool (by name, first definition wins) across the examples, as one compact JSON array.</summary>
    internal static string ToolUnion(IEnumerable<ToolCallExample> examples)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tools = new PyJsonArray();
        foreach (var ex in examples)
        {
            if (!PyJson.TryLoads(ex.Tools, out var v) || v is not PyJsonArray list) continue;
            foreach (var t in list.Items)
                if (t is PyJsonObject d && d.GetString("name") is { } n && seen.Add(n)) tools.Items.Add(d);
        }
        return PyJson.Dumps(tools);
    }
}
