namespace Needle.Core.Training;

/// <summary>
/// Warmup-stable-decay learning rate (needle-model.md §5.4), evaluated like upstream's
/// <c>optax.join_schedules([linear 0→peak over W, constant, cosine over K with alpha 0.05], [W, W+S])</c>:
/// the later boundary wins, which matters only for tiny runs where S &lt; 0.
/// </summary>
public sealed record WsdSchedule
{
    public double Peak { get; }
    public int TotalSteps { get; }
    public int WarmupSteps { get; }
    public int DecaySteps { get; }
    public int StableSteps => TotalSteps - WarmupSteps - DecaySteps;
    public double Alpha { get; }

    public WsdSchedule(double peak, int totalSteps, double warmupRatio = 0.05, double decayRatio = 0.05, double alpha = 0.05)
    {
        if (totalSteps < 0) throw new ArgumentOutOfRangeException(nameof(totalSteps));
        Peak = peak;
        TotalSteps = totalSteps;
        WarmupSteps = Math.Max(1, (int)(warmupRatio * totalSteps));
        DecaySteps = Math.Max(1, (int)(decayRatio * totalSteps));
        Alpha = alpha;
    }

    /// <summary>The learning rate for a group's update number <paramref name="t"/> (0-based; the first update has lr 0).</summary>
    public double At(int t)
    {
        int decayStart = WarmupSteps + StableSteps;
        if (t >= decayStart)
        {
            double count = Math.Min(t - decayStart, DecaySteps);
            double cosine = 0.5 * (1 + Math.Cos(Math.PI * count / DecaySteps));
            return Peak * ((1 - Alpha) * cosine + Alpha);
        }
        if (t >= WarmupSteps) return Peak;
        return Peak * Math.Min(Math.Max(t, 0), WarmupSteps) / WarmupSteps;
    }
}
