using Needle.Core.Model;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

/// <summary>A tiny config and packed batches for whole-model training tests.</summary>
internal static class TinyTraining
{
    public static NeedleConfig Config(int vocab = 40) => new()
    {
        VocabSize = vocab, DModel = 16, NumHeads = 4, NumKvHeads = 2, NumEncoderLayers = 2, NumDecoderLayers = 2, ContrastiveDim = 8,
    };

    /// <summary>Upstream init, then every zero-initialized norm scale and gate randomized so their gradients are generic.</summary>
    public static NeedleWeights Weights(NeedleConfig c, int seed = 7, float kernelScale = 1f)
    {
        var w = NeedleWeights.RandomInit(c, seed);
        var rng = new Random(seed + 1);
        foreach (var (path, t) in w.Params)
        {
            var kernel = path.EndsWith("kernel", StringComparison.Ordinal) || path == NeedleWeights.Embedding;
            for (var i = 0; i < t.Length; i++)
                t.Data[i] = kernel ? t.Data[i] * kernelScale * 10f : (float)(rng.NextDouble() * 0.6 - 0.3);
        }
        return w;
    }

    /// <summary>B=2 packed rows: row 0 has two examples and padding, row 1 one example filling the encoder.</summary>
    public static TrainBatch Batch(int vocab, int seed = 3)
    {
        const int b = 2, te = 7, td = 6;
        int[] encSeg = [1, 1, 1, 2, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1];
        int[] decSeg = [1, 1, 2, 2, 2, 0, 1, 1, 1, 1, 0, 0];
        sbyte[] loss = [0, 1, 2, 3, 0, 0, 0, 2, 1, 3, 0, 0];
        var rng = new Random(seed);
        int Tok(int seg) => seg > 0 ? rng.Next(6, vocab) : 0;
        var enc = encSeg.Select(Tok).ToArray();
        var decIn = decSeg.Select(Tok).ToArray();
        var decTgt = decSeg.Select(Tok).ToArray();
        return new TrainBatch(b, te, td, enc, decIn, decTgt, loss, encSeg, decSeg, [0, 1]);
    }
}
