namespace Needle.Core.Training;

/// <summary>Which optimizer updates a leaf (needle-model.md §5.4).</summary>
public enum ParamGroup
{
    Adam,
    Muon,
}

/// <summary>
/// A parameter leaf as the optimizers see it: its checkpoint path, shape, values and gradient (same length, C order).
/// The engine's parameters can wrap their own arrays in this without copying.
/// </summary>
public sealed class TrainableParam
{
    public string Path { get; }
    public int[] Shape { get; }
    public float[] Value { get; }
    public float[] Grad { get; }
    public ParamGroup Group { get; }

    public TrainableParam(string path, int[] shape, float[] value, float[]? grad = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(value);
        long n = shape.Aggregate(1L, (a, d) => a * d);
        if (n != value.Length) throw new ArgumentException($"{path}: shape ({string.Join(", ", shape)}) needs {n} values, got {value.Length}.", nameof(value));
        grad ??= new float[value.Length];
        if (grad.Length != value.Length) throw new ArgumentException($"{path}: gradient length {grad.Length} != {value.Length}.", nameof(grad));
        Path = path; Shape = shape; Value = value; Grad = grad;
        Group = GroupOf(path, shape);
    }

    /// <summary>
    /// Muon for every leaf whose last path segment is <c>kernel</c> with 2 or 3 dims (all attention projections, stacked
    /// per layer, plus the contrastive head's two kernels); Adam for everything else (embedding, norms, gates, bias, log_temp).
    /// </summary>
    public static ParamGroup GroupOf(string path, int[] shape)
    {
        string last = path[(path.LastIndexOf('/') + 1)..];
        return last == "kernel" && shape.Length is 2 or 3 ? ParamGroup.Muon : ParamGroup.Adam;
    }
}
