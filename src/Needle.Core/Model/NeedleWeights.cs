using Needle.Core.Checkpoints;
using Needle.Core.Tensors;

namespace Needle.Core.Model;

/// <summary>
/// The SimpleAttentionNetwork's parameters as float32 tensors by their '/'-joined Flax path (needle-model.md §1.3).
/// Stacked layer parameters keep their leading layer axis; Dense kernels are (in, out), so y = x · W.
/// </summary>
public sealed class NeedleWeights
{
    public const string Embedding = NeedleParameterLayout.Embedding;
    public const string EncoderBlock = NeedleParameterLayout.EncoderBlock + "/";
    public const string DecoderBlock = NeedleParameterLayout.DecoderBlock + "/";
    public const string EncoderFinalNorm = NeedleParameterLayout.EncoderFinalNorm;
    public const string DecoderFinalNorm = NeedleParameterLayout.DecoderFinalNorm;
    public const string ContrastiveHiddenKernel = NeedleParameterLayout.ContrastiveHiddenKernel;
    public const string ContrastiveHiddenBias = NeedleParameterLayout.ContrastiveHiddenBias;
    public const string ContrastiveProjKernel = NeedleParameterLayout.ContrastiveProjKernel;
    public const string LogTemp = NeedleParameterLayout.LogTemp;

    public NeedleConfig Config { get; }
    public IReadOnlyDictionary<string, Tensor> Params { get; }

    private NeedleWeights(NeedleConfig config, IReadOnlyDictionary<string, Tensor> parameters)
    {
        Config = config;
        Params = parameters;
    }

    public Tensor this[string path] => Params[path];

    /// <summary>Every parameter path with its expected shape for a config (from <see cref="NeedleParameterLayout"/>).</summary>
    public static IReadOnlyList<(string Path, int[] Shape)> Layout(NeedleConfig c) =>
        NeedleParameterLayout.For(c).Select(p => (p.Path, p.Shape)).ToList();

    /// <summary>
    /// Takes checkpoint leaves (float32, by path), checks that every parameter the config needs is present with the
    /// right shape, and reports every problem at once. Unknown extra leaves are ignored (upstream ignores them too at
    /// inference). <paramref name="source"/> names the file in the error.
    /// </summary>
    public static NeedleWeights FromDictionary(IReadOnlyDictionary<string, NdArray> parameters, NeedleConfig config, string source = "checkpoint")
    {
        ArgumentNullException.ThrowIfNull(parameters);
        config.Validate();
        var problems = new List<string>();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (path, shape) in Layout(config))
        {
            if (!parameters.TryGetValue(path, out var leaf))
            {
                problems.Add($"missing '{path}' (expected shape {ShapeText(shape)})");
                continue;
            }
            // log_temp is a 0-d scalar upstream; a 1-element vector (some exporters' form of a scalar) is accepted,
            // it is only used by the CLIP loss.
            var scalarAsVector = path == LogTemp && leaf.Shape is [1];
            if (!leaf.Shape.SequenceEqual(shape) && !scalarAsVector)
            {
                problems.Add($"'{path}' has shape {leaf.ShapeText} but the config needs {ShapeText(shape)}");
                continue;
            }
            if (leaf.Data.Length != Tensor.Count(leaf.Shape))
            {
                problems.Add($"'{path}' holds {leaf.Data.Length} values for shape {leaf.ShapeText}");
                continue;
            }
            result[path] = new Tensor(leaf.Data, scalarAsVector ? [] : shape);
        }
        if (problems.Count > 0)
            throw new InvalidDataException(
                $"{source}: the parameters do not match the config (d_model={config.DModel}, heads={config.NumHeads}/{config.NumKvHeads}, " +
                $"layers={config.NumEncoderLayers}+{config.NumDecoderLayers}, vocab={config.VocabSize}): " + string.Join("; ", problems) + ".");
        return new NeedleWeights(config, result);
    }

    /// <summary>
    /// Fresh parameters as upstream initializes them (§2): embedding, q/k/v and contrastive kernels N(0, 0.02);
    /// out_proj N(0, 0.02/sqrt(2·(L_e+L_d))); norm scales, gates, biases and log_temp 0.
    /// </summary>
    public static NeedleWeights RandomInit(NeedleConfig config, int seed)
    {
        config.Validate();
        var rng = new Random(seed);
        var outStd = 0.02 / Math.Sqrt(2.0 * (config.NumEncoderLayers + config.NumDecoderLayers));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (path, shape) in Layout(config))
        {
            var t = new Tensor(shape);
            double std = path.EndsWith("out_proj/kernel", StringComparison.Ordinal) ? outStd
                : path.EndsWith("/kernel", StringComparison.Ordinal) || path == Embedding ? 0.02 : 0.0;
            if (std > 0) FillNormal(rng, t.Data, std);
            result[path] = t;
        }
        return new NeedleWeights(config, result);
    }

    /// <summary>The parameters as checkpoint leaves (float32), e.g. to build a CheckpointData.</summary>
    public Dictionary<string, NdArray> ToDictionary() =>
        Params.ToDictionary(kv => kv.Key, kv => new NdArray(kv.Value.Shape, kv.Value.Data), StringComparer.Ordinal);

    public long ParameterCount => Params.Values.Sum(t => (long)t.Length);

    private static void FillNormal(Random rng, float[] data, double std)
    {
        for (var i = 0; i < data.Length; i += 2)
        {
            // Box–Muller: two normals per pair of uniforms.
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            var r = Math.Sqrt(-2.0 * Math.Log(u1)) * std;
            data[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < data.Length) data[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
    }

    private static string ShapeText(int[] shape) => "(" + string.Join(", ", shape) + (shape.Length == 1 ? ",)" : ")");
}
