namespace Needle.Core.Training;

/// <summary>
/// optax.adamw as upstream configures it (needle-model.md §5.4): bias-corrected moments, eps outside the sqrt,
/// decoupled weight decay (0 in finetune), θ ← θ − lr(t)·(m̂/(√v̂+eps) + wd·θ). t counts this optimizer's updates from 0.
/// </summary>
public sealed class AdamW(Func<int, double> learningRate, float beta1 = 0.9f, float beta2 = 0.95f, float eps = 1e-8f, float weightDecay = 0f)
{
    private readonly Dictionary<TrainableParam, (float[] M, float[] V)> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>Updates done so far (the schedule's t for the next one).</summary>
    public int Count { get; private set; }

    public double CurrentLearningRate => learningRate(Count);

    public void Step(IEnumerable<TrainableParam> parameters)
    {
        float lr = (float)learningRate(Count);
        int t = Count + 1;
        float bc1 = 1f - MathF.Pow(beta1, t), bc2 = 1f - MathF.Pow(beta2, t);
        foreach (var p in parameters)
        {
            if (!_state.TryGetValue(p, out var s)) _state[p] = s = (new float[p.Value.Length], new float[p.Value.Length]);
            var (m, v) = s;
            float[] w = p.Value, g = p.Grad;
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                float mHat = m[i] / bc1, vHat = v[i] / bc2;
                float u = mHat / (MathF.Sqrt(vHat) + eps) + weightDecay * w[i];
                w[i] -= lr * u;
            }
        }
        Count++;
    }
}
