using Needle.Core.Model;
using Needle.Core.Training.Engine;

namespace Needle.Core.Training;

/// <summary>Settings of <see cref="NeedleTrainer"/>; defaults are upstream finetune's (needle-model.md §5.3–5.4).</summary>
public sealed record TrainerOptions
{
    /// <summary>Seeds the dropout masks (with the step number and the sublayer).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Dropout on sublayer outputs; null = the config's dropout_rate (0.1 unless the checkpoint says otherwise).</summary>
    public double? DropoutRate { get; init; }

    /// <summary>Total optimizer steps of the run, for the WSD schedules.</summary>
    public int TotalSteps { get; init; } = 1;

    public OptimizerSettings Optimizer { get; init; } = new();

    public LossWeights LossWeights { get; init; } = LossWeights.Finetune;

    /// <summary>
    /// Bounds the activation memory: a batch is run as micro-batches of max(1, this / T_e) rows whose gradients
    /// accumulate, normalized by the whole batch's token and position counts, with dropout masks addressed by global
    /// row, so the result equals one pass up to float summation order. 4096 keeps B=16×256 in one pass; a packed
    /// 1024-token batch runs 4 rows at a time (≈ 1 GB of activations).
    /// </summary>
    public int MaxEncoderTokensPerPass { get; init; } = 4096;

    /// <summary>Forward with INT4 fake-quantized kernels on steps where step &gt; 0 and step % 100 == 0 (§5.3, STE).</summary>
    public bool QuantAwareSteps { get; init; } = true;
}

/// <summary>What one <see cref="NeedleTrainer.Step"/> did.</summary>
/// <param name="Step">Steps done before this one (upstream's <c>step</c>).</param>
/// <param name="Loss">The text loss, ce + z (§4.1).</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="Tokens">Non-padding target tokens.</param>
/// <param name="NonFinite">The loss or a gradient was NaN/Inf: the weights were NOT updated.</param>
public sealed record StepResult(int Step, double Loss, double CrossEntropy, double ZLoss, double GradNorm, int Tokens, bool NonFinite,
    double AdamLearningRate, double MuonLearningRate, bool QuantAware);

/// <summary>
/// Trains a <see cref="NeedleWeights"/> in place: forward with activations, backward through the whole
/// SimpleAttentionNetwork, then upstream's optimizer chain (global-norm clip, Muon for attention kernels, AdamW for the
/// rest, WSD schedules). Deterministic for a seed: dropout masks are a function of (seed, step, sublayer, index) and
/// every reduction has a fixed order. Not thread-safe; one trainer per model.
/// </summary>
public sealed class NeedleTrainer
{
    private readonly TrainingNetwork _net;
    private readonly TrainerOptions _o;
    private readonly float _dropout;

    public NeedleWeights Weights { get; }
    public NeedleOptimizer Optimizer { get; }

    /// <summary>Every leaf with its gradient buffer (filled by the last step / <see cref="ComputeGradients"/>).</summary>
    public IReadOnlyList<TrainableParam> Parameters { get; }

    /// <summary>Steps attempted so far (skipped non-finite steps included: the data moved on).</summary>
    public int StepCount { get; private set; }

    /// <summary>Bytes of the activation arena of the current batch shape.</summary>
    public long ActivationBytes => _net.ActivationBytes;

    public NeedleTrainer(NeedleWeights weights, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _o = options ?? new TrainerOptions();
        if (_o.TotalSteps < 1) throw new ArgumentException($"TotalSteps must be at least 1, got {_o.TotalSteps}.", nameof(options));
        var rate = _o.DropoutRate ?? weights.Config.DropoutRate;
        if (rate is < 0 or >= 1) throw new ArgumentException($"Dropout rate {rate} is outside [0, 1).", nameof(options));
        _dropout = (float)rate;
        Weights = weights;
        _net = new TrainingNetwork(weights);
        Parameters = weights.Params.Select(kv => new TrainableParam(kv.Key, kv.Value.Shape, kv.Value.Data, _net.Grads[kv.Key])).ToList();
        Optimizer = new NeedleOptimizer(_o.TotalSteps, _o.Optimizer, KernelMatMul.Instance);
    }

    /// <summary>One training step on a packed batch: loss, gradients, clip, optimizer update (unless non-finite).</summary>
    public StepResult Step(TrainBatch batch, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var step = StepCount;
        var qat = _o.QuantAwareSteps && FakeQuant.IsQatStep(step);
        var loss = ComputeGradients(batch, dropout: true, step, qat);
        ct.ThrowIfCancellationRequested();
        var norm = GradClip.GlobalNorm(Parameters.Select(p => p.Grad));
        double lrAdam = Optimizer.Adam.CurrentLearningRate, lrMuon = Optimizer.Muon.CurrentLearningRate;
        var nonFinite = !double.IsFinite(loss.Loss) || !double.IsFinite(norm);
        if (!nonFinite)
            using (StepProfile.Time(StepProfile.Part.Optimizer))
                Optimizer.Step(Parameters);
        StepCount++;
        return new StepResult(step, loss.Loss, loss.CrossEntropy, loss.ZLoss, norm, loss.Tokens, nonFinite, lrAdam, lrMuon, qat);
    }

    /// <summary>
    /// Forward + backward only: fills every <see cref="Parameters"/> gradient with dLoss/dθ for the batch (dropout of
    /// step <paramref name="step"/> when <paramref name="dropout"/>; INT4 fake-quant kernels when <paramref name="quantAware"/>).
    /// </summary>
    public ForwardLoss ComputeGradients(TrainBatch batch, bool dropout = true, int? step = null, bool quantAware = false)
    {
        SetQuant(quantAware);
        try
        {
            return Passes(batch, _o.LossWeights, withZLoss: true, dropout ? _dropout : 0f, step ?? StepCount, backward: true);
        }
        finally
        {
            _net.KernelOverrides.Clear();
        }
    }

    /// <summary>Validation sums (§4.2): Σ CE over non-pad targets and their count; uniform weights, no z-loss, no dropout.</summary>
    public (double LossSum, int Tokens) EvalSums(TrainBatch batch, bool quantAware = false)
    {
        SetQuant(quantAware);
        try
        {
            var loss = Passes(batch, LossWeights.Uniform, withZLoss: false, 0f, 0, backward: false);
            return (loss.UnweightedCeSum, loss.Tokens);
        }
        finally
        {
            _net.KernelOverrides.Clear();
        }
    }

    /// <summary>Mean validation cross-entropy of one batch (0 when it has no target tokens).</summary>
    public double EvalLoss(TrainBatch batch)
    {
        var (sum, tokens) = EvalSums(batch);
        return tokens == 0 ? 0 : sum / tokens;
    }

    /// <summary>The training loss of a batch, forward only (e.g. for finite-difference checks).</summary>
    public ForwardLoss Loss(TrainBatch batch, bool dropout = false, int step = 0) =>
        Passes(batch, _o.LossWeights, withZLoss: true, dropout ? _dropout : 0f, step, backward: false);

    /// <summary>Runs the batch as micro-batches (see <see cref="TrainerOptions.MaxEncoderTokensPerPass"/>) and sums the parts.</summary>
    private ForwardLoss Passes(TrainBatch b, LossWeights weights, bool withZLoss, float dropout, int step, bool backward)
    {
        ArgumentNullException.ThrowIfNull(b);
        var rows = Math.Max(1, _o.MaxEncoderTokensPerPass / Math.Max(1, b.EncLen));
        if (rows >= b.BatchSize) return Pass(b, 0, null, accumulate: false);
        var totals = (b.DecSeg.Count(s => s > 0), b.BatchSize * b.DecLen);
        ForwardLoss sum = default;
        for (var r0 = 0; r0 < b.BatchSize; r0 += rows)
        {
            var part = Pass(Slice(b, r0, Math.Min(rows, b.BatchSize - r0)), r0, totals, accumulate: r0 > 0);
            sum = new ForwardLoss(sum.Loss + part.Loss, sum.CrossEntropy + part.CrossEntropy, sum.ZLoss + part.ZLoss,
                sum.UnweightedCeSum + part.UnweightedCeSum, sum.Tokens + part.Tokens, sum.Positions + part.Positions);
        }
        return sum;

        ForwardLoss Pass(TrainBatch part, int rowBase, (int, int)? all, bool accumulate)
        {
            var loss = _net.Forward(part, weights, withZLoss, dropout, _o.Seed, step, backward, rowBase, all, accumulate);
            if (backward) _net.Backward();
            return loss;
        }
    }

    /// <summary>Rows [r0, r0 + n) of a batch.</summary>
    private static TrainBatch Slice(TrainBatch b, int r0, int n)
    {
        int te = b.EncLen, td = b.DecLen;
        T[] E<T>(T[] a, int t) => a[(r0 * t)..((r0 + n) * t)];
        return new TrainBatch(n, te, td, E(b.Enc, te), E(b.DecIn, td), E(b.DecTgt, td), E(b.Loss, td), E(b.EncSeg, te), E(b.DecSeg, td),
            b.Rows.Length == b.BatchSize ? b.Rows[r0..(r0 + n)] : b.Rows);
    }

    private void SetQuant(bool on)
    {
        _net.KernelOverrides.Clear();
        if (!on) return;
        foreach (var p in Parameters)
            if (p.Group == ParamGroup.Muon && !p.Path.StartsWith("contrastive", StringComparison.Ordinal))
                _net.KernelOverrides[p.Path] = FakeQuant.Apply(p.Value, p.Shape);
    }
}
