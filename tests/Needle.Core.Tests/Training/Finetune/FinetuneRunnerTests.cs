using System.IO.Compression;
using Needle.Core.Checkpoints;
using Needle.Core.Data;
using Needle.Core.Tests.Inference;
using Needle.Core.Tokenization;
using Needle.Core.Training;
using Needle.Core.Training.Finetune;

namespace Needle.Core.Tests.Training.Finetune;

/// <summary>The finetune orchestration with an oracle model and a fake trainer (no real training).</summary>
public sealed class FinetuneRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-ft-").FullName;
    private readonly string _checkpoint;
    private readonly SentencePieceTokenizer _tokenizer;
    private readonly List<ToolCallExample> _data = SyntheticToolData.Make(perTool: 30, tools: 2);

    public FinetuneRunnerTests()
    {
        _checkpoint = TinyCheckpoint.Write(_dir, seed: 3, TinyCheckpoint.TokenizerFixture(AppContext.BaseDirectory));
        _tokenizer = SentencePieceTokenizer.Load(Path.Combine(_dir, "needle.model"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Out => Path.Combine(_dir, "out");

    private FinetuneSettings Settings => new()
    {
        OutputDirectory = Out, MaxEncLen = 128, MaxDecLen = 64, MaxGenLen = 64, BatchSize = 64,
        StartTime = new DateTimeOffset(2026, 5, 16, 12, 0, 0, TimeSpan.Zero),
    };

    private FinetuneRequest Request(FinetuneSettings? settings = null, IReadOnlyList<ToolCallExample>? data = null) => new()
    {
        Examples = data ?? _data, CheckpointPath = _checkpoint, Settings = settings ?? Settings,
    };

    private static float Skill(string checkpoint) => CheckpointFile.Load(checkpoint).Params[NeedleParameterLayout.LogTemp].Data[0];

    [Fact]
    public void A_run_goes_through_the_phases_in_order_and_improves_the_test_metrics()
    {
        var engine = new FakeEngine(_data, _tokenizer);
        var log = new EventLog();
        var result = new FinetuneRunner(engine).Run(Request(), log);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(
            [TrainingPhase.Validating, TrainingPhase.Tokenizing, TrainingPhase.EvaluatingBase, TrainingPhase.Training,
             TrainingPhase.EvaluatingFinetuned, TrainingPhase.Bundling, TrainingPhase.Done], log.Phases);

        // Split per tool: 30 per tool → 10 test, 10 val, 10 train each.
        Assert.Equal(new SplitSummary(20, 20, 20, 20, 20, false), result.Split);
        Assert.Equal(0.0, result.BaseMetrics!.ExactMatch);
        Assert.Equal(20, result.BaseMetrics.Failures.Count);
        Assert.All(result.BaseMetrics.Failures, f => Assert.Equal("", f.Got));
        Assert.Equal(1.0, result.FinetunedMetrics!.ExactMatch);
        Assert.Equal(1.0, result.FinetunedMetrics.CallF1);
        Assert.Equal(["get_weather", "set_timer"], result.FinetunedMetrics.PerTool.Keys);
        Assert.Equal(new ToolScore(10, 10), result.FinetunedMetrics.PerTool["set_timer"]);

        var evals = log.Of<EvalCompleted>().ToList();
        Assert.Equal(["base", "finetuned"], evals.Select(e => e.Which));
        Assert.Same(result.BaseMetrics, evals[0].Metrics);

        // Every step reported once, in order, with the plan's totals; the history holds the same points.
        var steps = log.Of<StepCompleted>().ToList();
        Assert.Equal(result.Plan!.TotalSteps, steps.Count);
        Assert.Equal(Enumerable.Range(1, steps.Count), steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.Equal(result.Plan.TotalSteps, s.TotalSteps));
        Assert.Equal(steps.Select(s => s.Loss), result.History.Train.Select(p => p.Loss));
        Assert.Equal(result.Plan.Epochs, log.Of<EpochCompleted>().Count());
        Assert.Equal(result.Plan.Epochs, result.History.Val.Count);
        Assert.All(result.History.Val, v => Assert.Equal(Math.Exp(0.5), v.Perplexity, 12));

        // Checkpoints: one per epoch with upstream's names, best = a copy of the first epoch that beat 0.
        var prefix = Path.Combine(Out, $"needle_finetuned_20260516120000_{Environment.ProcessId}_2_32_");
        Assert.Equal(result.Plan.Epochs, result.Checkpoints.Count);
        Assert.All(result.Checkpoints, c => Assert.StartsWith(prefix, c));
        Assert.Equal(prefix + "best.pkl", result.BestCheckpointPath);
        Assert.Equal(prefix + result.Plan.TotalSteps + ".pkl", result.LastCheckpointPath);
        var firstBest = log.Of<EpochCompleted>().First(e => e.NewBest);
        Assert.Equal(File.ReadAllBytes(firstBest.CheckpointPath!), File.ReadAllBytes(result.BestCheckpointPath!));
        Assert.True(Skill(result.BestCheckpointPath!) >= 3);

        // The bundle holds everything.
        Assert.Equal(Path.Combine(Out, "needle_finetuned_20260516_120000.zip"), result.BundlePath);
        using var zip = ZipFile.OpenRead(result.BundlePath!);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var n in new[] { "checkpoint.pkl", "tokenizer.model", "tools.json", "train.jsonl", "val.jsonl", "test.jsonl", "eval_report.json", "loss_curve.svg", "README.md" })
            Assert.Contains(n, names);
        using var tools = new StreamReader(zip.GetEntry("tools.json")!.Open());
        Assert.Equal("[" + SyntheticToolData.Weather + "," + SyntheticToolData.Timer + "]", tools.ReadToEnd());
        Assert.Empty(Directory.GetFiles(Out, "*tmp*"));
        Assert.True(engine.Trainers.Single().Disposed);
    }

    [Fact]
    public void Small_data_still_gets_the_minimum_number_of_optimizer_steps()
    {
        var engine = new FakeEngine(_data, _tokenizer);
        var result = new FinetuneRunner(engine).Run(Request(Settings with { MinSteps = 20 }));
        Assert.True(result.Succeeded, result.Error);
        Assert.True(result.Plan!.TotalSteps >= 20, $"{result.Plan.TotalSteps} steps");
        Assert.Equal(result.Plan.TotalSteps, engine.Trainers.Single().Steps.Count);
        Assert.Equal(Enumerable.Range(0, result.Plan.TotalSteps), engine.Trainers.Single().Steps);
        Assert.Equal(result.Plan.TotalSteps, engine.Trainers.Single().Setup.TotalSteps);

        // Upstream arithmetic: few packed rows at batch 64 → 0 steps; the base is promoted unchanged.
        var upstream = new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request(Settings with { UpstreamStepCount = true, OutputDirectory = Out + "2" }));
        Assert.True(upstream.Succeeded, upstream.Error);
        Assert.Equal(0, upstream.Plan!.TotalSteps);
        Assert.Equal(0.0, upstream.FinetunedMetrics!.ExactMatch);
    }

    [Fact]
    public void Max_steps_cuts_the_run_and_the_schedule()
    {
        var engine = new FakeEngine(_data, _tokenizer);
        var result = new FinetuneRunner(engine).Run(Request(Settings with { MaxSteps = 5 }));
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(5, result.StepsDone);
        Assert.Equal(5, engine.Trainers.Single().Setup.TotalSteps);
        Assert.EndsWith("_5.pkl", result.LastCheckpointPath);
    }

    [Fact]
    public void Cancelling_mid_training_keeps_a_good_checkpoint_and_cleans_up()
    {
        using var cts = new CancellationTokenSource();
        var engine = new FakeEngine(_data, _tokenizer) { MakeTrainer = s => new FakeTrainer(s) { OnStep = step => { if (step == 6) cts.Cancel(); } } };
        var log = new EventLog();
        var result = new FinetuneRunner(engine).Run(Request(Settings with { MinSteps = 20 }), log, cts.Token);

        Assert.Equal(FinetuneOutcome.Cancelled, result.Outcome);
        Assert.Equal(TrainingPhase.Cancelled, log.Phases[^1]);
        Assert.Equal(7, result.StepsDone);                       // step 6 (0-based) completed, then the token was seen
        Assert.NotNull(result.LastCheckpointPath);
        Assert.EndsWith("_7.pkl", result.LastCheckpointPath);
        Assert.Contains(result.LastCheckpointPath!, result.Error);
        var data = CheckpointFile.LoadValidated(result.LastCheckpointPath!);   // a whole, valid checkpoint
        Assert.Equal(Skill(_checkpoint) + 7, data.Data.Params[NeedleParameterLayout.LogTemp].Data[0], 2);
        Assert.Null(result.BundlePath);
        Assert.Null(result.FinetunedMetrics);
        Assert.Empty(Directory.GetFiles(Out, "*.zip"));
        Assert.Empty(Directory.GetFiles(Out, "*tmp*"));
        Assert.True(engine.Trainers.Single().Disposed);
    }

    [Fact]
    public void Cancelling_before_training_ends_cancelled_without_checkpoints()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var result = new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request(), null, cts.Token);
        Assert.Equal(FinetuneOutcome.Cancelled, result.Outcome);
        Assert.Null(result.LastCheckpointPath);
        Assert.False(Directory.Exists(Out) && Directory.EnumerateFileSystemEntries(Out).Any());
    }

    [Fact]
    public void A_non_finite_loss_stops_the_run_and_keeps_the_last_good_weights()
    {
        var engine = new FakeEngine(_data, _tokenizer) { MakeTrainer = s => new FakeTrainer(s) { NonFiniteAtStep = 4 } };
        var log = new EventLog();
        var result = new FinetuneRunner(engine).Run(Request(Settings with { MinSteps = 20 }), log);

        Assert.Equal(FinetuneOutcome.Failed, result.Outcome);
        Assert.Contains("non-finite", result.Error);
        Assert.Contains("step 5", result.Error);
        Assert.Contains(result.LastCheckpointPath!, result.Error);
        Assert.Equal(4, result.StepsDone);
        Assert.Equal(Skill(_checkpoint) + 4, Skill(result.LastCheckpointPath!), 2);
        Assert.Equal(TrainingPhase.Failed, log.Phases[^1]);
        Assert.Null(result.BundlePath);
    }

    [Fact]
    public void Data_without_enough_valid_lines_is_refused_with_the_report()
    {
        var path = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllText(path, "not json\n{\"query\": \"x\"}\n" + ExampleJsonlWriter.ToLine(_data[0]) + "\n");
        var engine = new FakeEngine(_data, _tokenizer);
        var result = new FinetuneRunner(engine).Run(new FinetuneRequest { DataPath = path, CheckpointPath = _checkpoint, Settings = Settings });

        Assert.Equal(FinetuneOutcome.Refused, result.Outcome);
        Assert.Contains("at least 3 valid examples, found 1", result.Error);
        Assert.Equal(1, result.Validation!.Total);
        Assert.Equal([new InvalidLine(1, "invalid JSON"), new InvalidLine(2, "missing 'tools'")], result.Validation.InvalidLines);
        Assert.Empty(engine.Trainers);
    }

    [Fact]
    public void A_tool_below_the_required_minimum_is_refused()
    {
        var data = _data.Concat(SyntheticToolData.Make(perTool: 2, tools: 3).Where(e => e.Answers.Contains("send_email"))).ToList();
        var settings = Settings with { Validation = new DataValidationOptions { MinCallsPerTool = 10 } };
        var result = new FinetuneRunner(new FakeEngine(data, _tokenizer)).Run(Request(settings, data));
        Assert.Equal(FinetuneOutcome.Refused, result.Outcome);
        Assert.Contains("'send_email' has 2 examples; at least 10 are required", result.Error);
    }

    [Fact]
    public void Answers_too_long_for_the_decoder_are_refused()
    {
        var result = new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request(Settings with { MaxDecLen = 5 }));
        Assert.Equal(FinetuneOutcome.Refused, result.Outcome);
        Assert.Contains("short enough", result.Error);
    }

    [Fact]
    public void A_missing_checkpoint_fails_with_its_path()
    {
        var result = new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request() with { CheckpointPath = Path.Combine(_dir, "nope.pkl") });
        Assert.Equal(FinetuneOutcome.Failed, result.Outcome);
        Assert.Contains("nope.pkl", result.Error);
    }

    [Fact]
    public void Runs_are_deterministic_for_a_seed_and_differ_across_seeds()
    {
        FinetuneResult Run(int seed, string dir) =>
            new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request(Settings with { Seed = seed, OutputDirectory = Path.Combine(_dir, dir), WriteBundle = false }));
        var a = Run(7, "a"); var b = Run(7, "b"); var c = Run(8, "c");
        Assert.Equal(a.History.Train.Select(p => p.Loss), b.History.Train.Select(p => p.Loss));
        Assert.Equal(a.FinetunedMetrics!.ToUpstreamJson(), b.FinetunedMetrics!.ToUpstreamJson());
        Assert.NotEqual(a.History.Train.Select(p => p.Loss), c.History.Train.Select(p => p.Loss));
    }

    [Fact]
    public async Task RunAsync_runs_off_the_calling_thread_and_invalid_requests_throw()
    {
        var result = await new FinetuneRunner(new FakeEngine(_data, _tokenizer)).RunAsync(Request(Settings with { WriteBundle = false }));
        Assert.True(result.Succeeded, result.Error);
        Assert.Throws<ArgumentException>(() => new FinetuneRunner().Run(new FinetuneRequest { CheckpointPath = _checkpoint }));
        Assert.Throws<ArgumentException>(() => new FinetuneRunner().Run(Request(Settings with { Epochs = 0 })));
    }

    [Fact]
    public void Results_serialize_to_json_and_throw_by_outcome_for_job_runners()
    {
        var ok = new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request(Settings with { WriteBundle = false, MaxSteps = 4 }));
        Assert.Same(ok, ok.ThrowIfNotSucceeded());
        using var doc = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(ok, TrainingEventJson.Options));
        Assert.Equal("Succeeded", doc.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(1.0, doc.RootElement.GetProperty("finetunedMetrics").GetProperty("exactMatch").GetDouble());
        Assert.Equal(4, doc.RootElement.GetProperty("history").GetProperty("train").GetArrayLength());

        var failed = new FinetuneRunner(new FakeEngine(_data, _tokenizer) { MakeTrainer = s => new FakeTrainer(s) { NonFiniteAtStep = 0 } })
            .Run(Request(Settings with { OutputDirectory = Out + "f" }));
        var e = Assert.Throws<FinetuneFailedException>(() => failed.ThrowIfNotSucceeded());
        Assert.Same(failed, e.Result);
        Assert.Contains("No checkpoint was written", e.Message);

        var refused = new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request(data: _data.Take(2).ToList()));
        Assert.Throws<InvalidDataException>(() => refused.ThrowIfNotSucceeded());

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var cancelled = new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request(), null, cts.Token);
        Assert.Throws<OperationCanceledException>(() => cancelled.ThrowIfNotSucceeded());
    }

    [Fact]
    public void The_events_drive_the_playground_status_object()
    {
        var status = new FinetuneStatus();
        status.Start();
        var result = new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request(Settings with { MaxSteps = 3 }), new StatusProgress(status));
        var snap = status.Snapshot();
        Assert.False(snap.Running);
        Assert.Equal(TrainingPhase.Done, snap.Phase);
        Assert.Same(result.BaseMetrics, snap.BaseEval);
        Assert.Same(result.FinetunedMetrics, snap.EvalResults);
        Assert.Equal(3, snap.Progress!.Step);
        Assert.Contains("Split: 20 train / 20 val / 20 test (per-tool)", snap.Log);

        var failed = new FinetuneStatus();
        failed.Start();
        new FinetuneRunner(new FakeEngine(_data, _tokenizer)).Run(Request(data: _data.Take(2).ToList()), new StatusProgress(failed));
        Assert.False(failed.Snapshot().Running);
        Assert.Contains("at least 3 valid examples", failed.Snapshot().Error);
    }

    private sealed class StatusProgress(FinetuneStatus status) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value) => status.Apply(value);
    }

    [Fact]
    public void Playground_settings_follow_B7()
    {
        var s = FinetuneSettings.Playground(20, "x");
        Assert.Equal((1, 20, "x"), (s.Epochs, s.BatchSize, s.OutputDirectory));
        Assert.Equal(32, FinetuneSettings.Playground(240, "x").BatchSize);
        Assert.Equal(1, FinetuneSettings.Playground(0, "x").BatchSize);
    }
}
