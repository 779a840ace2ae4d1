using Needle.Core.Checkpoints;
using Needle.Core.Data;
using Needle.Core.Inference;
using Needle.Core.Model;
using Needle.Core.Tests.Inference;
using Needle.Core.Tokenization;
using Needle.Core.Training;
using Needle.Core.Training.Finetune;

namespace Needle.Core.Tests.Training.Finetune;

/// <summary>
/// One real finetune, shared by the tests below: a random-init tiny checkpoint (d_model 64, 2+2 layers, the 600-piece
/// fixture BPE) finetuned by the real trainer through the whole runner on templated 2-tool data (60 examples per
/// tool, 6 values per argument). Upstream's Adam lr 3e-5 is for a pretrained embedding; a random one needs more.
/// </summary>
public sealed class TinyFinetuneRun : IDisposable
{
    public static readonly NeedleConfig Tiny = new()
    {
        VocabSize = 600, DModel = 64, NumHeads = 4, NumKvHeads = 2, NumEncoderLayers = 2, NumDecoderLayers = 2, ContrastiveDim = 16,
    };

    public string Dir { get; } = Directory.CreateTempSubdirectory("needle-learn-").FullName;
    public string BaseCheckpoint { get; }
    public string TokenizerPath { get; }
    public FinetuneSettings Settings { get; }
    public FinetuneResult Result { get; }
    public EventLog Log { get; } = new();
    public NeedleTrainStepper Trainer { get; private set; } = null!;

    public TinyFinetuneRun()
    {
        BaseCheckpoint = Path.Combine(Dir, "base.pkl");
        CheckpointFile.Save(BaseCheckpoint, new CheckpointData { Params = NeedleWeights.RandomInit(Tiny, seed: 11).ToDictionary(), Config = Tiny.ToDictionary() });
        TokenizerPath = Path.Combine(Dir, "needle.model");
        File.Copy(TinyCheckpoint.TokenizerFixture(AppContext.BaseDirectory), TokenizerPath);

        Settings = new FinetuneSettings
        {
            OutputDirectory = Path.Combine(Dir, "out"), MaxEncLen = 64, MaxDecLen = 32, MaxGenLen = 32,
            BatchSize = 8, Epochs = 8, MinSteps = 0, MinStepsPerEpoch = 0,
            Optimizer = new OptimizerSettings { AdamLearningRate = 1e-2, MuonLearningRate = 0.04 },
            QuantizedValidation = false,
        };
        var engine = new NeedleFinetuneEngine(setup => Trainer = new NeedleTrainStepper(setup));
        Result = new FinetuneRunner(engine).Run(new FinetuneRequest
        {
            Examples = SyntheticToolData.Make(perTool: 60, tools: 2, shortTools: true, values: 6),
            CheckpointPath = BaseCheckpoint, Settings = Settings,
        }, Log);
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class FinetuneLearningTests(TinyFinetuneRun run, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TinyFinetuneRun>
{
    [Fact]
    public void Finetuning_a_random_tiny_model_learns_the_tools()
    {
        var r = run.Result;
        foreach (var line in run.Log.Lines) output.WriteLine(line);
        Assert.True(r.Succeeded, r.Error);
        Assert.Equal(80, r.StepsDone);
        Assert.True(r.BaseMetrics!.ExactMatch <= 0.1, r.BaseMetrics.ToUpstreamJson());
        Assert.True(r.FinetunedMetrics!.ExactMatch >= 0.9, r.FinetunedMetrics.ToUpstreamJson());
        Assert.Equal(1.0, r.FinetunedMetrics.NameF1);

        // The loss fell, and the best checkpoint was picked on validation call-F1.
        var losses = r.History.Train.Select(p => p.Loss).ToList();
        Assert.True(losses.TakeLast(10).Average() < losses.Take(10).Average() / 10, string.Join(", ", losses));
        Assert.Contains(run.Log.Of<EpochCompleted>(), e => e.NewBest);
        Assert.True(File.Exists(r.BundlePath));
    }

    [Fact]
    public void The_saved_checkpoint_loads_back_and_generates_what_the_trained_weights_generate()
    {
        var last = run.Result.LastCheckpointPath!;
        var saved = CheckpointFile.Load(last);

        // float16 leaves, values = the trainer's final float32 weights rounded to half; config keys as in the base file.
        var weights = run.Trainer.Snapshot();
        Assert.Equal(weights.Keys.Order(), saved.Params.Keys.Order());
        foreach (var (path, w) in weights)
        {
            Assert.Equal(NdDType.Float16, saved.Params[path].StoredAs);
            Assert.Equal(w.Shape, saved.Params[path].Shape);
            Assert.Equal(w.Data.Select(v => (float)(Half)v), saved.Params[path].Data);
        }
        Assert.Equal(CheckpointFile.Load(run.BaseCheckpoint).Config.Keys, saved.Config.Keys);

        // In-process model from the (half-rounded) trainer weights vs the file loaded the way `needle run` loads it.
        var rounded = weights.ToDictionary(kv => kv.Key, kv => new NdArray(kv.Value.Shape, kv.Value.Data.Select(v => (float)(Half)v).ToArray()));
        var inProcess = new Generator(SimpleAttentionNetwork.FromCheckpoint(new CheckpointData { Params = rounded, Config = saved.Config }),
                                      SentencePieceTokenizer.Load(run.TokenizerPath));
        using var runtime = NeedleRuntime.Load(last, run.TokenizerPath);
        var options = new GenerationOptions { MaxGenLen = 32, MaxEncLen = 64 };
        var examples = SyntheticToolData.Make(perTool: 4, tools: 2, shortTools: true, values: 6, seed: 99);
        foreach (var ex in examples)
            Assert.Equal(inProcess.Generate(ex.Query, ex.Tools, options), runtime.Generator.Generate(ex.Query, ex.Tools, options));
        Assert.Contains(examples, ex => runtime.Generator.Generate(ex.Query, ex.Tools, options).Trim() == ex.Answers);
    }

    [Fact]
    public void The_best_checkpoint_reproduces_the_reported_finetuned_metrics()
    {
        using var runtime = NeedleRuntime.Load(run.Result.BestCheckpointPath!, run.TokenizerPath);
        var test = run.Result.FinetunedMetrics!;
        var data = SyntheticToolData.Make(perTool: 60, tools: 2, shortTools: true, values: 6);
        var split = PerToolSplit.Split(data);
        var again = ToolCallEvaluator.QuickEval(runtime.Generator, split.Select(data, split.Test), maxGenLen: 32, maxEncLen: 64);
        Assert.Equal(test.ToUpstreamJson(), again!.ToUpstreamJson());
    }

    [Fact]
    public void A_real_run_is_deterministic_for_a_seed()
    {
        (List<double> Losses, byte[] Checkpoint) Run(string name, int seed)
        {
            var settings = run.Settings with
            {
                OutputDirectory = Path.Combine(run.Dir, name), MaxSteps = 3, MaxGenLen = 6, WriteBundle = false, Seed = seed,
            };
            var r = new FinetuneRunner().Run(new FinetuneRequest
            {
                Examples = SyntheticToolData.Make(perTool: 30, tools: 2, shortTools: true), CheckpointPath = run.BaseCheckpoint, Settings = settings,
            });
            Assert.True(r.Succeeded, r.Error);
            return (r.History.Train.Select(p => p.Loss).ToList(), File.ReadAllBytes(r.LastCheckpointPath!));
        }
        var a = Run("det-a", 5);
        var b = Run("det-b", 5);
        var c = Run("det-c", 6);
        Assert.Equal(3, a.Losses.Count);
        Assert.Equal(a.Losses, b.Losses);
        Assert.Equal(a.Checkpoint, b.Checkpoint);
        Assert.NotEqual(a.Losses, c.Losses);
    }
}
