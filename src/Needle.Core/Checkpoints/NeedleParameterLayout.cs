using Needle.Core.Model;

namespace Needle.Core.Checkpoints;

/// <summary>One parameter leaf: its '/'-joined path in the params tree and its shape.</summary>
public sealed record ParameterSpec(string Path, int[] Shape)
{
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    public string ShapeText => "(" + string.Join(", ", Shape) + (Shape.Length == 1 ? ",)" : ")");
}

/// <summary>
/// The parameter tree upstream Needle's Flax model has for a config (needle-model.md §1.3): 31 leaves, layer
/// parameters stacked on a leading layer axis (nn.scan), Dense kernels laid out (in, out) so y = x · W.
/// This is the one place that knows the paths and shapes; the loader, the validator and the model use it.
/// </summary>
public static class NeedleParameterLayout
{
    public const string Embedding = "embedding/embedding";
    public const string EncoderBlock = "encoder/layers/EncoderBlock_0";
    public const string DecoderBlock = "decoder/layers/DecoderBlock_0";
    public const string EncoderFinalNorm = "encoder/final_norm/scale";
    public const string DecoderFinalNorm = "decoder/ZCRMSNorm_0/scale";
    public const string ContrastiveHiddenKernel = "contrastive_hidden/kernel";
    public const string ContrastiveHiddenBias = "contrastive_hidden/bias";
    public const string ContrastiveProjKernel = "contrastive_proj/kernel";
    public const string LogTemp = "log_temp";

    /// <summary>The six leaves of one attention module, e.g. prefix ".../self_attn".</summary>
    public static string[] AttentionLeaves { get; } =
        ["q_proj/kernel", "k_proj/kernel", "v_proj/kernel", "q_norm/scale", "k_norm/scale", "out_proj/kernel"];

    /// <summary>Every parameter for <paramref name="config"/>, in the stable order of the spec's table.</summary>
    public static IReadOnlyList<ParameterSpec> For(NeedleConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int d = config.DModel, le = config.NumEncoderLayers, ld = config.NumDecoderLayers, v = config.VocabSize;
        int c = config.ContrastiveDim;
        var list = new List<ParameterSpec> { new(Embedding, [v, d]) };

        list.Add(new($"{EncoderBlock}/attn_gate", [le]));
        list.Add(new($"{EncoderBlock}/ZCRMSNorm_0/scale", [le, d]));
        list.AddRange(Attention(config, $"{EncoderBlock}/self_attn", le));
        list.Add(new(EncoderFinalNorm, [d]));

        list.Add(new($"{DecoderBlock}/self_attn_gate", [ld]));
        list.Add(new($"{DecoderBlock}/ZCRMSNorm_0/scale", [ld, d]));
        list.AddRange(Attention(config, $"{DecoderBlock}/self_attn", ld));
        list.Add(new($"{DecoderBlock}/cross_attn_gate", [ld]));
        list.Add(new($"{DecoderBlock}/ZCRMSNorm_1/scale", [ld, d]));
        list.AddRange(Attention(config, $"{DecoderBlock}/cross_attn", ld));
        list.Add(new(DecoderFinalNorm, [d]));

        list.Add(new(ContrastiveHiddenKernel, [d, c]));
        list.Add(new(ContrastiveHiddenBias, [c]));
        list.Add(new(ContrastiveProjKernel, [c, c]));
        list.Add(new(LogTemp, []));
        return list;
    }

    /// <summary>Total number of scalars (26,315,421 for the released 26M config).</summary>
    public static long ParameterCount(NeedleConfig config) => For(config).Sum(p => p.Count);

    // q (D -> H·hd), k/v (D -> KV·hd), per-head QK-norm scales (hd), out (H·hd -> D); stacked over `layers`.
    private static IEnumerable<ParameterSpec> Attention(NeedleConfig config, string prefix, int layers)
    {
        int d = config.DModel, hd = config.HeadDim, q = config.NumHeads * hd, kv = config.NumKvHeads * hd;
        yield return new($"{prefix}/q_proj/kernel", [layers, d, q]);
        yield return new($"{prefix}/k_proj/kernel", [layers, d, kv]);
        yield return new($"{prefix}/v_proj/kernel", [layers, d, kv]);
        yield return new($"{prefix}/q_norm/scale", [layers, hd]);
        yield return new($"{prefix}/k_norm/scale", [layers, hd]);
        yield return new($"{prefix}/out_proj/kernel", [layers, q, d]);
    }
}
