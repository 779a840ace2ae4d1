namespace Needle.Core.Training;

/// <summary>
/// Upstream's Muon variant (needle-model.md §5.4, §10 #10): orthogonalize first (per layer slice for stacked 3-D
/// kernels), then Nesterov momentum m ← μm + O, u = O + μm, then decoupled decay u += wd·θ, θ ← θ − lr(t)·u.
/// No per-shape scaling. t counts this optimizer's updates from 0.
/// </summary>
public sealed class Muon(Func<int, double> learningRate, float momentum = 0.95f, float weightDecay = 0.01f, IMatMul? gemm = null, int nsSteps = 5)
{
    private readonly Dictionary<TrainableParam, float[]> _momentum = new(ReferenceEqualityComparer.Instance);
    private readonly IMatMul _gemm = gemm ?? KernelMatMul.Instance;

    public int Count { get; private set; }

    public double CurrentLearningRate => learningRate(Count);

    public void Step(IEnumerable<TrainableParam> parameters)
    {
        float lr = (float)learningRate(Count);
        foreach (var p in parameters)
        {
            var o = Orthogonalize(p);
            if (!_momentum.TryGetValue(p, out var m)) _momentum[p] = m = new float[p.Value.Length];
            float[] w = p.Value;
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = momentum * m[i] + o[i];
                float u = o[i] + momentum * m[i] + weightDecay * w[i];
                w[i] -= lr * u;
            }
        }
        Count++;
    }

    /// <summary>NS5 of a 2-D gradient, or of each (in, out) slice of a 3-D one; other ranks pass through.</summary>
    public float[] Orthogonalize(TrainableParam p)
    {
        var shape = p.Shape;
        if (shape.Length == 2) return NewtonSchulz.Orthogonalize(p.Grad, shape[0], shape[1], _gemm, nsSteps);
        if (shape.Length != 3) return (float[])p.Grad.Clone();
        int slice = shape[1] * shape[2];
        var o = new float[p.Grad.Length];
        for (int l = 0; l < shape[0]; l++)
            NewtonSchulz.Orthogonalize(p.Grad.AsSpan(l * slice, slice), shape[1], shape[2], _gemm, nsSteps).CopyTo(o, l * slice);
        return o;
    }
}
