namespace Needle.Core.Tests.Kernels;

/// <summary>
/// The one finite-difference gradient checker every backward test uses (ggml's test-backend-ops habit): for a
/// scalar loss f (computed by the op's forward, summed in double), compare the analytic gradient of some entries of
/// an input with the central difference (f(x+ε) − f(x−ε)) / 2ε, by relative error with an absolute floor.
/// </summary>
internal static class GradCheck
{
    /// <param name="loss">Recomputes the scalar loss from the current contents of <paramref name="x"/>.</param>
    /// <param name="x">An input the loss reads; entries are perturbed and restored.</param>
    /// <param name="analytic">dLoss/dx from the backward pass, same length as x.</param>
    /// <param name="samples">How many entries to probe (all when x is smaller); chosen by a seeded RNG.</param>
    public static void Check(Func<double> loss, float[] x, float[] analytic, string name,
        int samples = 16, float eps = 1e-2f, double tol = 2e-2, double floor = 2e-3, int seed = 1)
    {
        Assert.Equal(x.Length, analytic.Length);
        var rng = new Random(seed);
        var indices = x.Length <= samples ? Enumerable.Range(0, x.Length) : Enumerable.Range(0, samples).Select(_ => rng.Next(x.Length));
        var scale = Math.Max(floor, analytic.Max(v => Math.Abs((double)v)));
        foreach (var i in indices)
        {
            var saved = x[i];
            float plus = saved + eps, minus = saved - eps;   // the float steps actually taken
            x[i] = plus;
            var up = loss();
            x[i] = minus;
            var down = loss();
            x[i] = saved;
            var numeric = (up - down) / ((double)plus - minus);
            var err = Math.Abs(numeric - analytic[i]);
            // Relative to the entry itself, floored by a share of the tensor's largest gradient (tiny entries are noise).
            var bound = tol * Math.Max(Math.Abs(numeric), 0.05 * scale) + floor * 0.1;
            if (!(err <= bound))
                Assert.Fail($"{name}[{i}]: analytic {analytic[i]:G6}, numeric {numeric:G6} (err {err:G3} > {bound:G3}).");
        }
    }

    /// <summary>Σ r ⊙ y in double: the usual probe loss, whose gradient with respect to y is r.</summary>
    public static double Dot(ReadOnlySpan<float> r, ReadOnlySpan<float> y)
    {
        double s = 0;
        for (var i = 0; i < y.Length; i++) s += (double)r[i] * y[i];
        return s;
    }
}
