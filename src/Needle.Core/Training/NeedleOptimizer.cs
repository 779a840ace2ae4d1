namespace Needle.Core.Training;

/// <summary>What one optimizer step did.</summary>
public sealed record OptimizerStepInfo(double GradNorm, double AdamLearningRate, double MuonLearningRate);

/// <summary>Peak rates and constants of the optimizer chain; defaults are upstream finetune's (§5.4).</summary>
public sealed record OptimizerSettings
{
    public double AdamLearningRate { get; init; } = 3e-5;
    public double MuonLearningRate { get; init; } = 0.02;
    public double WarmupRatio { get; init; } = 0.05;
    public double DecayRatio { get; init; } = 0.05;
    public double MaxGradNorm { get; init; } = 1.0;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.95f;
    public float Eps { get; init; } = 1e-8f;
    public float AdamWeightDecay { get; init; } = 0f;
    public float MuonMomentum { get; init; } = 0.95f;
    public float MuonWeightDecay { get; init; } = 0.01f;
}

/// <summary>
/// Upstream's optax chain: clip_by_global_norm over all gradients, then Muon for 2-D/3-D kernels and AdamW for the
/// rest, each with its own WSD schedule over <paramref name="totalSteps"/>.
/// </summary>
public sealed class NeedleOptimizer
{
    private readonly OptimizerSettings _s;

    public WsdSchedule AdamSchedule { get; }
    public WsdSchedule MuonSchedule { get; }
    public AdamW Adam { get; }
    public Muon Muon { get; }

    public NeedleOptimizer(int totalSteps, OptimizerSettings? settings = null, IMatMul? gemm = null)
    {
        _s = settings ?? new OptimizerSettings();
        AdamSchedule = new WsdSchedule(_s.AdamLearningRate, totalSteps, _s.WarmupRatio, _s.DecayRatio);
        MuonSchedule = new WsdSchedule(_s.MuonLearningRate, totalSteps, _s.WarmupRatio, _s.DecayRatio);
        Adam = new AdamW(AdamSchedule.At, _s.Beta1, _s.Beta2, _s.Eps, _s.AdamWeightDecay);
        Muon = new Muon(MuonSchedule.At, _s.MuonMomentum, _s.MuonWeightDecay, gemm);
    }

    /// <summary>Clips the gradients in place and updates every parameter.</summary>
    public OptimizerStepInfo Step(IReadOnlyList<TrainableParam> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double lrAdam = Adam.CurrentLearningRate, lrMuon = Muon.CurrentLearningRate;
        double norm = GradClip.ClipByGlobalNorm(parameters.Select(p => p.Grad).ToList(), _s.MaxGradNorm);
        Muon.Step(parameters.Where(p => p.Group == ParamGroup.Muon));
        Adam.Step(parameters.Where(p => p.Group == ParamGroup.Adam));
        return new OptimizerStepInfo(norm, lrAdam, lrMuon);
    }
}
