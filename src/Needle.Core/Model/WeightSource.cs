using Needle.Core.Checkpoints;

namespace Needle.Core.Model;

/// <summary>
/// Where <see cref="SimpleAttentionNetwork"/>'s constructor reads its parameters: float32 <see cref="NeedleWeights"/>
/// (training, tests) or a <see cref="StreamedCheckpoint"/> read one layer slice at a time (inference: no full float32
/// copy of the checkpoint ever exists). Paths and shapes are those of <see cref="NeedleParameterLayout"/>.
/// </summary>
internal abstract class WeightSource
{
    public abstract NeedleConfig Config { get; }

    /// <summary>The whole leaf as float32. May be the source's own array: callers keep it but never write to it.</summary>
    public abstract float[] Whole(string path);

    /// <summary>Slice <paramref name="layer"/> of a stacked (L, ...) leaf: a new array.</summary>
    public abstract float[] Layer(string path, int layer);

    /// <summary>Whether every decoder weight and the embedding fit in float16 (the decode copies' precision).</summary>
    public abstract bool DecoderFitsHalf();

    public static WeightSource Of(NeedleWeights weights) => new FromWeights(weights);

    public static WeightSource Of(StreamedCheckpoint checkpoint) => new FromCheckpoint(checkpoint);

    private static bool IsDecodeWeight(string path) =>
        path.StartsWith("decoder/", StringComparison.Ordinal) || path == NeedleWeights.Embedding;

    private static bool FitHalf(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
            if (!(MathF.Abs(v) <= 65504f)) return false;
        return true;
    }

    private sealed class FromWeights(NeedleWeights w) : WeightSource
    {
        public override NeedleConfig Config => w.Config;
        public override float[] Whole(string path) => w[path].Data;
        public override float[] Layer(string path, int layer) => w[path].Slice(layer).ToArray();

        public override bool DecoderFitsHalf()
        {
            foreach (var (path, t) in w.Params)
                if (IsDecodeWeight(path) && !FitHalf(t.Data)) return false;
            return true;
        }
    }

    private sealed class FromCheckpoint(StreamedCheckpoint c) : WeightSource
    {
        public override NeedleConfig Config => c.Config;
        public override float[] Whole(string path) => c.Read(path);

        public override float[] Layer(string path, int layer)
        {
            var shape = c.Shape(path);
            long per = 1;
            for (var i = 1; i < shape.Length; i++) per *= shape[i];
            var data = new float[per];
            c.Read(path, layer * per, data);
            return data;
        }

        public override bool DecoderFitsHalf()
        {
            foreach (var spec in NeedleParameterLayout.For(c.Config))
            {
                // float16 values fit by definition; anything else is checked value by value (a slow, rare path).
                if (!IsDecodeWeight(spec.Path) || c.StoredAs(spec.Path) == NdDType.Float16) continue;
                if (!FitHalf(c.Read(spec.Path))) return false;
            }
            return true;
        }
    }
}
