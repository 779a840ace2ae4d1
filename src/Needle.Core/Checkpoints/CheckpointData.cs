namespace Needle.Core.Checkpoints;

/// <summary>
/// A Needle checkpoint as Python pickles it: <c>{"params": nested dict of arrays, "config": dict, ...}</c>.
/// Params are flattened to '/'-joined paths, e.g. "encoder/layers/EncoderBlock_0/self_attn/q_proj/kernel".
/// </summary>
public sealed class CheckpointData
{
    /// <summary>Leaves by '/'-joined path.</summary>
    public required IReadOnlyDictionary<string, NdArray> Params { get; init; }

    /// <summary>
    /// The pickled config dict as stored (only the keys the file has; see <see cref="Model.NeedleConfig.FromDictionary"/>).
    /// Values are long, double, string, bool or null.
    /// </summary>
    public required IReadOnlyDictionary<string, object?> Config { get; init; }

    /// <summary>Other top-level keys (e.g. "pretrain_step"), kept so a re-save does not lose them.</summary>
    public IReadOnlyDictionary<string, object?> Extra { get; init; } = new Dictionary<string, object?>();
}
