using Needle.Core.Tools;

namespace Needle.Synthesis.Recipe;

/// <summary>
/// Plans batches as upstream's <c>generate_batch</c> does for the playground (A5): a weighted call type, the user's
/// full tool list (empty for no_tools), description rephrasing in 30% of batches, a query-length bucket, a persona and
/// theme hints, and a temperature from upstream's list. A master RNG seeds one RNG per batch.
/// </summary>
public sealed class BatchPlanner
{
    private static readonly double[] Temperatures = [0.7, 0.8, 0.9, 1.0, 1.0, 1.0, 1.1, 1.1, 1.2, 1.3];

    private readonly IReadOnlyList<ToolDefinition> _tools;
    private readonly int _batchSize;
    private readonly Random _master;
    private readonly IReadOnlyList<CallType> _mix;

    /// <param name="mix">Call types to draw from (duplicates weight them); null is upstream's mix.</param>
    public BatchPlanner(IReadOnlyList<ToolDefinition> tools, int batchSize, int seed, IReadOnlyList<CallType>? mix = null)
    {
        _mix = mix is { Count: > 0 } ? mix : CallTypes.Weighted;
        ArgumentNullException.ThrowIfNull(tools);
        if (tools.Count == 0) throw new ArgumentException("At least one tool is needed to generate training data.", nameof(tools));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _tools = tools;
        _batchSize = batchSize;
        _master = new Random(seed);
    }

    /// <summary>Plans the next batch. Call in index order; each call draws from the master RNG.</summary>
    public BatchPlan Next(int index)
    {
        var seed = _master.Next();
        var rng = new Random(seed);
        var callType = _mix[rng.Next(_mix.Count)];
        IReadOnlyList<ToolDefinition> shown = callType == CallType.NoTools ? [] : _tools;
        if (shown.Count > 0 && rng.NextDouble() < 0.30) shown = shown.Select(t => DescriptionRephraser.Rephrase(t, rng)).ToList();
        return new BatchPlan
        {
            Index = index,
            CallType = callType,
            Tools = shown,
            UserTools = _tools,
            Size = _batchSize,
            Seed = seed,
            Temperature = Temperatures[rng.Next(Temperatures.Length)],
            Length = (QueryLength)rng.Next(4),
            Persona = PromptHints.Personas[rng.Next(PromptHints.Personas.Count)],
            Themes = PromptHints.Themes.OrderBy(_ => rng.Next()).Take(12).ToList(),
        };
    }
}
