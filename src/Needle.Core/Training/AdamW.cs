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
            int i = Update(w, g, m, v, lr, bc1, bc2);
            for (; i < w.Length; i++)   // scalar tail (same operations, so results equal the SIMD lanes')
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

    // The same per-element arithmetic on Vector<float> lanes (IEEE ops, no fusion: identical results). Returns the tail start.
    private int Update(float[] w, float[] g, float[] m, float[] v, float lr, float bc1, float bc2)
    {
        int n = System.Numerics.Vector<float>.Count, i = 0;
        if (!System.Numerics.Vector.IsHardwareAccelerated) return 0;
        var b1 = new System.Numerics.Vector<float>(beta1); var ob1 = new System.Numerics.Vector<float>(1 - beta1);
        var b2 = new System.Numerics.Vector<float>(beta2); var ob2 = new System.Numerics.Vector<float>(1 - beta2);
        var c1 = new System.Numerics.Vector<float>(bc1); var c2 = new System.Numerics.Vector<float>(bc2);
        var e = new System.Numerics.Vector<float>(eps); var wd = new System.Numerics.Vector<float>(weightDecay);
        var l = new System.Numerics.Vector<float>(lr);
        for (; i <= w.Length - n; i += n)
        {
            var gi = new System.Numerics.Vector<float>(g, i);
            var mi = b1 * new System.Numerics.Vector<float>(m, i) + ob1 * gi;
            var vi = b2 * new System.Numerics.Vector<float>(v, i) + ob2 * gi * gi;
            mi.CopyTo(m, i); vi.CopyTo(v, i);
            var wi = new System.Numerics.Vector<float>(w, i);
            var u = (mi / c1) / (System.Numerics.Vector.SquareRoot(vi / c2) + e) + wd * wi;
            (wi - l * u).CopyTo(w, i);
        }
        return i;
    }
}
