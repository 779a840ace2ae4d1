namespace Needle.Core.Kernels;

/// <summary>
/// The decode-weights choice users write (CLI <c>--weights</c>, the playground's <c>Needle:DecodeWeights</c>):
/// auto (float16 for a 16-bit checkpoint, which is exact, else float32), fp16, fp32, or int8 (about twice as fast,
/// approximate).
/// </summary>
public static class DecodeWeightsChoice
{
    public static IReadOnlyList<string> Names { get; } = ["auto", "fp16", "fp32", "int8"];

    /// <summary>Null for auto (the model picks); false for an unknown name.</summary>
    public static bool TryParse(string? name, out WeightPrecision? precision)
    {
        precision = name?.Trim().ToLowerInvariant() switch
        {
            "fp16" => WeightPrecision.Float16,
            "fp32" => WeightPrecision.Float32,
            "int8" => WeightPrecision.Int8,
            _ => null,
        };
        return precision is not null || string.Equals(name?.Trim(), "auto", StringComparison.OrdinalIgnoreCase);
    }
}
