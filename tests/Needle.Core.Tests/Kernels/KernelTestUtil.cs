using Needle.Core.Kernels;

namespace Needle.Core.Tests.Kernels;

/// <summary>Kernel tests force SIMD levels globally, so they share one non-parallel collection.</summary>
[CollectionDefinition("Kernels", DisableParallelization = true)]
public sealed class KernelCollection;

internal static class KernelTestUtil
{
    /// <summary>Every level this machine can run, widest first.</summary>
    public static TheoryData<SimdLevel> Levels()
    {
        var data = new TheoryData<SimdLevel>();
        for (var l = Simd.Best; l >= SimdLevel.Scalar; l--) data.Add(l);
        return data;
    }

    public static float[] Random(Random rng, int n, float scale = 1f)
    {
        var a = new float[n];
        for (var i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>Asserts max |a−b| ≤ tol · max(1, max |b|).</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var maxRef = 1f;
        foreach (var v in expected) maxRef = MathF.Max(maxRef, MathF.Abs(v));
        for (var i = 0; i < expected.Length; i++)
        {
            var err = MathF.Abs(expected[i] - actual[i]);
            if (!(err <= tol * maxRef))
                Assert.Fail($"{what}: index {i}: expected {expected[i]}, got {actual[i]} (err {err}, tol {tol * maxRef}).");
        }
    }
}
