using Needle.Core.Tools;

namespace Needle.Synthesis.Recipe;

/// <summary>How long queries in a batch should be (upstream's four buckets).</summary>
public enum QueryLength { UltraShort, Short, Medium, Long }

/// <summary>
/// Everything decided about one batch before any provider is called. Planning is deterministic for a seed, so two
/// runs with the same seed ask for the same batches (model output may still differ; offline output does not).
/// </summary>
public sealed record BatchPlan
{
    public required int Index { get; init; }
    public required CallType CallType { get; init; }

    /// <summary>The tools shown for this batch, descriptions possibly rephrased; empty for <see cref="Recipe.CallType.NoTools"/>.</summary>
    public required IReadOnlyList<ToolDefinition> Tools { get; init; }

    /// <summary>The user's tools as given (what calls are validated against; names are the same as in <see cref="Tools"/>).</summary>
    public required IReadOnlyList<ToolDefinition> UserTools { get; init; }

    public required int Size { get; init; }
    public required int Seed { get; init; }
    public required double Temperature { get; init; }
    public required QueryLength Length { get; init; }
    public required string Persona { get; init; }
    public required IReadOnlyList<string> Themes { get; init; }
    public string Language { get; init; } = "English";
}
