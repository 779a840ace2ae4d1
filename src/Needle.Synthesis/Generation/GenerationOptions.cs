namespace Needle.Synthesis.Generation;

/// <summary>Knobs of a generation run; defaults follow upstream's playground (A1, A8).</summary>
public sealed record GenerationOptions
{
    /// <summary>Upstream sizes playground data at 120 per tool (100 train, 10 val, 10 test).</summary>
    public const int SamplesPerTool = 120;

    /// <summary>Examples to return; 0 means <see cref="SamplesPerTool"/> × number of tools.</summary>
    public int NumSamples { get; init; }

    public int BatchSize { get; init; } = 25;

    /// <summary>Batches in flight at once (the source's own limit also applies). Upstream's playground uses 4.</summary>
    public int Workers { get; init; } = 4;

    public int Seed { get; init; } = 42;

    /// <summary>Collect this many times <see cref="NumSamples"/> before stopping, to absorb rejects (upstream: 1.3).</summary>
    public double OverGenerate { get; init; } = 1.3;

    /// <summary>
    /// The cap on submitted batches, as a multiple of the batches the target needs (upstream: 3). Unlike upstream, the
    /// cap is never below <see cref="Workers"/> + that need, so small targets still get retries.
    /// </summary>
    public int MaxBatchFactor { get; init; } = 3;

    /// <summary>Call types to draw batches from (duplicates weight them); null is upstream's mix (about 14% negatives).</summary>
    public IReadOnlyList<Recipe.CallType>? CallTypeMix { get; init; }

    public int ResolveSamples(int toolCount) => NumSamples > 0 ? NumSamples : SamplesPerTool * Math.Max(1, toolCount);
}
