using Needle.Core.Checkpoints;
using Needle.Core.Data;
using Needle.Core.Inference;
using Needle.Core.Model;
using Needle.Core.Tokenization;
using Needle.Core.Training;
using Needle.Core.Training.Finetune;

namespace Needle.Core.Tests.Training.Finetune;

/// <summary>
/// A model that "knows" the data once trained: it reads the query back from the encoder input and answers with the
/// example's reference call when <paramref name="skill"/> ≥ <paramref name="threshold"/>, else it stops at once.
/// </summary>
internal sealed class OracleModel(NeedleConfig config, ITokenizer tokenizer, IReadOnlyDictionary<string, string> answers, float skill, float threshold)
    : INeedleModel
{
    public NeedleConfig Config { get; } = config;

    public IEncodedBatch Encode(IReadOnlyList<int[]> sources)
    {
        var scripts = new List<int[]>();
        foreach (var s in sources)
        {
            int cut = Array.IndexOf(s, SpecialTokens.Tools);
            var query = tokenizer.Decode(s.AsSpan(0, cut < 0 ? s.Length : cut));
            scripts.Add(skill >= threshold && answers.TryGetValue(query, out var a)
                ? [SpecialTokens.ToolCall, .. tokenizer.Encode(a), SpecialTokens.Eos]
                : [SpecialTokens.Eos]);
        }
        return new Batch(scripts);
    }

    public IDecoderState StartDecoder(IEncodedBatch encoded) => new State(((Batch)encoded).Scripts);

    public void DecodeStep(IDecoderState state, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        var s = (State)state;
        logits.Fill(-10f);
        for (int b = 0; b < s.Scripts.Count; b++)
        {
            var script = s.Scripts[b];
            logits[b * Config.VocabSize + (s.Length < script.Length ? script[s.Length] : SpecialTokens.Eos)] = 10f;
        }
        s.Length++;
    }

    public float[] EncodeContrastive(int[] tokens) => throw new NotSupportedException();

    private sealed record Batch(List<int[]> Scripts) : IEncodedBatch
    {
        public int BatchSize => Scripts.Count;
        public void Dispose() { }
    }

    private sealed class State(List<int[]> scripts) : IDecoderState
    {
        public List<int[]> Scripts => scripts;
        public int Length { get; set; }
        public void Dispose() { }
    }
}

/// <summary>
/// A trainer that adds 1 to <c>log_temp</c> per step (the oracle's "skill"), reports a loss that depends on the
/// batch rows (so batching order shows in the history), and can be scripted to go non-finite or call back.
/// </summary>
internal sealed class FakeTrainer(TrainerSetup setup) : ITrainStepper
{
    private readonly Dictionary<string, NdArray> _w = setup.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value);
    public int? NonFiniteAtStep { get; init; }
    public Action<int>? OnStep { get; init; }
    public bool SupportsEvaluate { get; init; } = true;
    public List<int> Steps { get; } = [];
    public bool Disposed { get; private set; }
    public TrainerSetup Setup => setup;

    public TrainStepResult Step(TrainBatch batch, int step, CancellationToken cancellationToken)
    {
        Steps.Add(step);
        OnStep?.Invoke(step);
        if (NonFiniteAtStep == step) return new TrainStepResult(double.NaN, double.NaN, 0, 0, Applied: false);
        _w[NeedleParameterLayout.LogTemp].Data[0] += 1;
        double loss = 1.0 / (step + 1) + batch.Rows.Sum() * 1e-3;
        return new TrainStepResult(loss, 0.5, 3e-5, 0.02);
    }

    public ValidationSums? Evaluate(TrainBatch batch, bool fakeQuantized) =>
        SupportsEvaluate ? new ValidationSums(batch.TokenCount * (fakeQuantized ? 0.6 : 0.5), batch.TokenCount) : null;

    public IReadOnlyDictionary<string, NdArray> Snapshot() =>
        _w.ToDictionary(kv => kv.Key, kv => new NdArray(kv.Value.Shape.ToArray(), kv.Value.Data.ToArray()));

    public void Dispose() => Disposed = true;
}

/// <summary>The oracle model and the fake trainer behind the runner's engine seam.</summary>
internal sealed class FakeEngine(IReadOnlyList<ToolCallExample> data, ITokenizer tokenizer, float threshold = 3) : IFinetuneEngine
{
    private readonly Dictionary<string, string> _answers = data.GroupBy(e => e.Query).ToDictionary(g => g.Key, g => g.First().Answers);
    public Func<TrainerSetup, FakeTrainer> MakeTrainer { get; init; } = s => new FakeTrainer(s);
    public List<FakeTrainer> Trainers { get; } = [];
    public List<float> ModelSkills { get; } = [];

    public INeedleModel CreateModel(CheckpointData checkpoint, string name)
    {
        float skill = checkpoint.Params[NeedleParameterLayout.LogTemp].Data[0];
        ModelSkills.Add(skill);
        return new OracleModel(NeedleConfig.FromDictionary(checkpoint.Config), tokenizer, _answers, skill, threshold);
    }

    public ITrainStepper CreateTrainer(TrainerSetup setup)
    {
        var t = MakeTrainer(setup);
        Trainers.Add(t);
        return t;
    }
}

/// <summary>Collects events synchronously, in order (Progress&lt;T&gt; would post them to the thread pool).</summary>
public sealed class EventLog : IProgress<TrainingEvent>
{
    public List<TrainingEvent> Events { get; } = [];
    public void Report(TrainingEvent value) { lock (Events) Events.Add(value); }
    public IEnumerable<T> Of<T>() => Events.OfType<T>();
    public IReadOnlyList<TrainingPhase> Phases => Events.OfType<PhaseChanged>().Select(p => p.Phase).ToList();
    public IEnumerable<string> Lines => Events.OfType<TrainingLog>().Select(l => l.Text);
}
