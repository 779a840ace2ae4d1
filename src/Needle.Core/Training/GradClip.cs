namespace Needle.Core.Training;

/// <summary><c>optax.clip_by_global_norm</c>: one L2 norm over every gradient; when norm ≥ max, g ← g / norm · max.</summary>
public static class GradClip
{
    /// <summary>sqrt(Σ g²) over all arrays (accumulated in double).</summary>
    public static double GlobalNorm(IEnumerable<float[]> grads)
    {
        double sum = 0;
        foreach (var g in grads)
            foreach (float x in g) sum += (double)x * x;
        return Math.Sqrt(sum);
    }

    /// <summary>Clips in place; returns the norm before clipping.</summary>
    public static double ClipByGlobalNorm(IReadOnlyList<float[]> grads, double maxNorm = 1.0)
    {
        double norm = GlobalNorm(grads);
        if (norm < maxNorm) return norm;
        float n = (float)norm, m = (float)maxNorm;
        foreach (var g in grads)
            for (int i = 0; i < g.Length; i++) g[i] = g[i] / n * m;
        return norm;
    }
}
