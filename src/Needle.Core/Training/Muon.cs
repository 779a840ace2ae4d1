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
        if (_gemm is KernelMatMul)
        {
            StepParallel(parameters, lr);
            Count++;
            return;
        }
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

    /// <summary>
    /// The engine's path: one job per matrix (each layer slice of a 3-D kernel), spread over the worker pool with the
    /// products on one thread each, largest first; a job orthogonalizes its slice and updates its slice of the
    /// momentum and the weights. The same arithmetic per element as the sequential loop, so the same result.
    /// </summary>
    private void StepParallel(IEnumerable<TrainableParam> parameters, float lr)
    {
        var jobs = new List<(TrainableParam P, float[] M, int Offset, int Rows, int Cols)>();
        foreach (var p in parameters)
        {
            if (!_momentum.TryGetValue(p, out var m)) _momentum[p] = m = new float[p.Value.Length];
            var shape = p.Shape;
            if (shape.Length == 2) jobs.Add((p, m, 0, shape[0], shape[1]));
            else if (shape.Length == 3)
                for (int l = 0; l < shape[0]; l++) jobs.Add((p, m, l * shape[1] * shape[2], shape[1], shape[2]));
            else jobs.Add((p, m, 0, 0, 0));
        }
        jobs.Sort((x, y) => ((long)y.Rows * y.Cols).CompareTo((long)x.Rows * x.Cols));
        Kernels.WorkerPool.Shared.For(jobs.Count, i =>
        {
            var (p, m, offset, rows, cols) = jobs[i];
            var length = rows == 0 ? p.Value.Length : rows * cols;
            var o = new float[length];
            if (rows == 0) p.Grad.AsSpan(0, length).CopyTo(o);
            else NewtonSchulz.OrthogonalizeInto(p.Grad.AsSpan(offset, length), rows, cols, o, nsSteps);
            var w = p.Value.AsSpan(offset, length);
            var mo = m.AsSpan(offset, length);
            for (int j = 0; j < length; j++)
            {
                mo[j] = momentum * mo[j] + o[j];
                float u = o[j] + momentum * mo[j] + weightDecay * w[j];
                w[j] -= lr * u;
            }
        });
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
