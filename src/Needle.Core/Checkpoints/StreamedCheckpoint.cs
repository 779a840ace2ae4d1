using Needle.Core.Checkpoints.Pickle;
using Needle.Core.Model;

namespace Needle.Core.Checkpoints;

/// <summary>
/// A checkpoint opened for inference: the pickle's structure, config and every parameter's shape and dtype are read,
/// but the array data stays in the file and is read on demand, a slice at a time, straight into the model's own
/// arrays (<see cref="Read"/>). Loading a model this way never holds the file's bytes, nor a float32 copy of every
/// parameter, in memory. Same checks and errors as <see cref="CheckpointFile.LoadValidated"/>. Keep it open while
/// reading; not thread-safe for concurrent use by design (one loader reads it).
/// </summary>
public sealed class StreamedCheckpoint : IDisposable
{
    // Payloads at least this long stay in the file; smaller ones (norm scales, gates, biases) are read with the pickle.
    private const long DeferThreshold = 16 * 1024;

    private readonly FileStream _file;
    private readonly Dictionary<string, Leaf> _leaves;

    private sealed record Leaf(int[] Shape, NumpyArray? Array, float Scalar, NdDType StoredAs);

    private StreamedCheckpoint(FileStream file, Dictionary<string, Leaf> leaves, IReadOnlyDictionary<string, object?> config,
        NeedleConfig needleConfig, string name)
    {
        _file = file; _leaves = leaves; ConfigValues = config; Config = needleConfig; Name = name;
    }

    public string Name { get; }

    /// <summary>The checkpoint's config merged over the defaults.</summary>
    public NeedleConfig Config { get; }

    /// <summary>The pickled config dict as stored.</summary>
    public IReadOnlyDictionary<string, object?> ConfigValues { get; }

    /// <summary>True when every parameter is stored in 16 bits (float16 or bfloat16).</summary>
    public bool AllSixteenBit => _leaves.Values.All(l => l.StoredAs is NdDType.Float16 or NdDType.BFloat16);

    /// <summary>How <paramref name="path"/> is stored in the file.</summary>
    public NdDType StoredAs(string path) => _leaves[path].StoredAs;

    public int[] Shape(string path) => _leaves[path].Shape;

    /// <summary>Opens and checks <paramref name="path"/> (config merged over the defaults, every parameter's path and shape).</summary>
    public static StreamedCheckpoint Open(string path) => Open(path, DeferThreshold);

    /// <summary><see cref="Open(string)"/> leaving payloads of at least <paramref name="deferThreshold"/> bytes in the file (tests use 1).</summary>
    internal static StreamedCheckpoint Open(string path, long deferThreshold)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream file;
        try { file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"checkpoint '{path}' does not exist.", path); }
        try
        {
            var checkpoint = Parse(file, path, deferThreshold);
            file = null!; // owned by the checkpoint now
            return checkpoint;
        }
        finally
        {
            file?.Dispose();
        }
    }

    private static StreamedCheckpoint Parse(FileStream file, string name, long deferThreshold)
    {
        Dictionary<string, Leaf> leaves;
        Dictionary<string, object?> config;
        try
        {
            var (paramsDict, configValues, _) = CheckpointFile.SplitTop(Unpickler.LoadDeferred(file, deferThreshold));
            config = configValues;
            leaves = new Dictionary<string, Leaf>(StringComparer.Ordinal);
            CheckpointFile.Flatten(paramsDict, "", 0, (p, leaf) => leaves[p] = leaf switch
            {
                NumpyArray a => new Leaf(a.Shape, a, 0, StorageOf(a)),
                _ => new Leaf([], null, (float)(double)leaf, NdDType.Float32),
            });
        }
        catch (InvalidDataException e) { throw new InvalidDataException($"{name}: not a valid Needle checkpoint: {e.Message}", e); }
        catch (NotSupportedException e) { throw new NotSupportedException($"{name}: {e.Message}", e); }

        var needleConfig = CheckpointFile.ConfigOf(new CheckpointData { Params = new Dictionary<string, NdArray>(), Config = config }, name);
        Validate(leaves, needleConfig, name);
        return new StreamedCheckpoint(file, leaves, config, needleConfig, name);
    }

    private static NdDType StorageOf(NumpyArray a)
    {
        if (!a.IsBuilt || a.DType is null) throw new InvalidDataException("numpy.ndarray was created but its data was never set (missing BUILD).");
        return (a.DType.Kind, a.DType.ItemSize) switch
        {
            ('f', 2) when a.DType.Code == NumpyDType.BFloat16Code => NdDType.BFloat16,
            ('f', 2) => NdDType.Float16,
            _ => NdDType.Float32,
        };
    }

    // The same rules and message as NeedleWeights.FromDictionary: every layout parameter present with its shape
    // (log_temp may be a 1-element vector); extra leaves are ignored.
    private static void Validate(Dictionary<string, Leaf> leaves, NeedleConfig config, string name)
    {
        config.Validate();
        var problems = new List<string>();
        foreach (var spec in NeedleParameterLayout.For(config))
        {
            if (!leaves.TryGetValue(spec.Path, out var leaf)) { problems.Add($"missing '{spec.Path}' (expected shape {spec.ShapeText})"); continue; }
            var scalarAsVector = spec.Path == NeedleParameterLayout.LogTemp && leaf.Shape is [1];
            if (!leaf.Shape.AsSpan().SequenceEqual(spec.Shape) && !scalarAsVector)
                problems.Add($"'{spec.Path}' has shape {new ParameterSpec(spec.Path, leaf.Shape).ShapeText} but the config needs {spec.ShapeText}");
        }
        if (problems.Count > 0)
            throw new InvalidDataException(
                $"{name}: the parameters do not match the config (d_model={config.DModel}, heads={config.NumHeads}/{config.NumKvHeads}, " +
                $"layers={config.NumEncoderLayers}+{config.NumDecoderLayers}, vocab={config.VocabSize}): " + string.Join("; ", problems) + ".");
    }

    /// <summary>
    /// Elements [first, first + destination.Length) of <paramref name="path"/> (C order, widened to float32 exactly as
    /// <see cref="CheckpointFile.Load(string)"/> widens them), read from the file now.
    /// </summary>
    public void Read(string path, long first, Span<float> destination)
    {
        var leaf = _leaves[path];
        if (leaf.Array is null)
        {
            if (first != 0 || destination.Length != 1) throw new ArgumentOutOfRangeException(nameof(first));
            destination[0] = leaf.Scalar;
            return;
        }
        try { leaf.Array.ReadSingles(first, destination); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{Name}: param '{path}': {e.Message}", e); }
    }

    /// <summary>The whole leaf as float32.</summary>
    public float[] Read(string path)
    {
        var leaf = _leaves[path];
        var data = new float[leaf.Array?.Count ?? 1];
        Read(path, 0, data);
        return data;
    }

    public void Dispose() => _file.Dispose();
}
