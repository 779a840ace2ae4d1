using Needle.Core.Model;

namespace Needle.Core.Training.Engine;

/// <summary>One attention sublayer's stacked leaves (values or gradients): kernels (L, in, out), norm scales (L, hd).</summary>
internal sealed record AttentionLeaves(float[] Wq, float[] Wk, float[] Wv, float[] Wo, float[] QNorm, float[] KNorm)
{
    public static AttentionLeaves From(IReadOnlyDictionary<string, float[]> leaves, string prefix) => new(
        leaves[prefix + "q_proj/kernel"], leaves[prefix + "k_proj/kernel"], leaves[prefix + "v_proj/kernel"],
        leaves[prefix + "out_proj/kernel"], leaves[prefix + "q_norm/scale"], leaves[prefix + "k_norm/scale"]);

    public const string EncoderSelf = NeedleWeights.EncoderBlock + "self_attn/";
    public const string DecoderSelf = NeedleWeights.DecoderBlock + "self_attn/";
    public const string DecoderCross = NeedleWeights.DecoderBlock + "cross_attn/";
}
