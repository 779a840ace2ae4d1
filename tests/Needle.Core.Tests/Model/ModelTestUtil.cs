using Needle.Core.Model;

namespace Needle.Core.Tests.Model;

internal static class ModelTestUtil
{
    /// <summary>A small config with every structural feature: GQA (4 heads / 2 KV), several layers, odd vocab.</summary>
    public static NeedleConfig Tiny { get; } = new()
    {
        VocabSize = 37, DModel = 32, NumHeads = 4, NumKvHeads = 2, NumEncoderLayers = 2, NumDecoderLayers = 2, ContrastiveDim = 8,
    };

    /// <summary>
    /// Random weights large enough that every parameter matters (upstream's init zeroes norms and gates and keeps
    /// kernels tiny, which would hide bugs): N(0, 0.3) everywhere, embedding N(0, 1).
    /// </summary>
    public static NeedleWeights Weights(NeedleConfig config, int seed = 1, bool roundToHalf = false)
    {
        var w = NeedleWeights.RandomInit(config, seed);
        var rng = new Random(seed * 7919);
        foreach (var (path, t) in w.Params)
        {
            var std = path == NeedleWeights.Embedding ? 1.0 : 0.3;
            for (var i = 0; i < t.Data.Length; i++)
            {
                var v = (float)((rng.NextDouble() * 2 - 1) * std * 1.7);
                t.Data[i] = roundToHalf ? (float)(Half)v : v;
            }
        }
        return w;
    }

    public static int[] Tokens(Random rng, int n, int vocab) =>
        Enumerable.Range(0, n).Select(_ => rng.Next(1, vocab)).ToArray(); // never PAD

    /// <summary>max |a − b| / max(1, max |b|).</summary>
    public static double RelErr(ReadOnlySpan<float> actual, IEnumerable<double> expected)
    {
        var e = expected.ToArray();
        Assert.Equal(e.Length, actual.Length);
        double maxRef = 1, maxErr = 0;
        for (var i = 0; i < e.Length; i++)
        {
            maxRef = Math.Max(maxRef, Math.Abs(e[i]));
            maxErr = Math.Max(maxErr, Math.Abs(actual[i] - e[i]));
        }
        return maxErr / maxRef;
    }
}
