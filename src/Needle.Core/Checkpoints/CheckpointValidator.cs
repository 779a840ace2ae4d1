using Needle.Core.Model;

namespace Needle.Core.Checkpoints;

/// <summary>A parameter present in the checkpoint with another shape than the config implies.</summary>
public sealed record ShapeMismatch(string Path, int[] Expected, int[] Actual)
{
    public override string ToString() =>
        $"{Path}: expected {new ParameterSpec(Path, Expected).ShapeText}, found {new ParameterSpec(Path, Actual).ShapeText}";
}

/// <summary>What <see cref="CheckpointValidator.Check"/> found; empty lists mean the params match the config.</summary>
public sealed record CheckpointValidation(IReadOnlyList<string> Missing, IReadOnlyList<ShapeMismatch> WrongShape, IReadOnlyList<string> Unexpected)
{
    public bool IsValid => Missing.Count == 0 && WrongShape.Count == 0 && Unexpected.Count == 0;

    public override string ToString()
    {
        if (IsValid) return "all parameters match the config.";
        var parts = new List<string>();
        if (Missing.Count > 0) parts.Add($"missing {Missing.Count}: {string.Join(", ", Missing)}");
        if (WrongShape.Count > 0) parts.Add($"wrong shape {WrongShape.Count}: {string.Join("; ", WrongShape)}");
        if (Unexpected.Count > 0) parts.Add($"unexpected {Unexpected.Count}: {string.Join(", ", Unexpected)}");
        return string.Join(" | ", parts);
    }

    /// <summary>Throws an InvalidDataException naming <paramref name="source"/> and every problem.</summary>
    public void ThrowIfInvalid(string source)
    {
        if (!IsValid)
            throw new InvalidDataException($"{source}: the parameters do not match the checkpoint's config: {this}");
    }
}

/// <summary>Checks a checkpoint's params against the parameter layout its config implies.</summary>
public static class CheckpointValidator
{
    public static CheckpointValidation Check(CheckpointData data, NeedleConfig config)
    {
        ArgumentNullException.ThrowIfNull(data);
        var expected = NeedleParameterLayout.For(config);
        var missing = new List<string>();
        var wrong = new List<ShapeMismatch>();
        foreach (var spec in expected)
        {
            if (!data.Params.TryGetValue(spec.Path, out var leaf)) missing.Add(spec.Path);
            // A scalar saved as a 1-element vector (upstream's log_temp is shape (1,)) holds the same value.
            else if (!leaf.Shape.AsSpan().SequenceEqual(spec.Shape) && !(spec.Shape.Length == 0 && leaf.Shape is [1]))
                wrong.Add(new(spec.Path, spec.Shape, leaf.Shape));
        }
        var known = expected.Select(s => s.Path).ToHashSet(StringComparer.Ordinal);
        var unexpected = data.Params.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        return new(missing, wrong, unexpected);
    }

    /// <summary>Checks against the config stored in the checkpoint itself (merged over the defaults).</summary>
    public static CheckpointValidation Check(CheckpointData data) => Check(data, NeedleConfig.FromDictionary(data.Config));
}
