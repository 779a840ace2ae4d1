namespace Needle.Core.Data;

/// <summary>One rejected JSONL line: 1-based line number and why.</summary>
public sealed record InvalidLine(int Line, string Reason);

/// <summary>
/// What a JSONL data set looks like before training (playground-reference.md B7 step 3, extended).
/// <see cref="Warnings"/> holds upstream-style lines ("Line n: invalid JSON", "Line n: missing 'query'", first 20);
/// <see cref="Errors"/> holds the reasons training must be refused (empty means <see cref="CanTrain"/>).
/// </summary>
public sealed record DataValidationReport
{
    /// <summary>Valid examples read.</summary>
    public int Total { get; init; }

    /// <summary>Calls per tool name across all answers, in first-appearance order.</summary>
    public IReadOnlyDictionary<string, int> PerTool { get; init; } = new Dictionary<string, int>();

    /// <summary>Examples per primary tool (the split's buckets; "__no_tool__" for no-call examples).</summary>
    public IReadOnlyDictionary<string, int> PerPrimaryTool { get; init; } = new Dictionary<string, int>();

    /// <summary>Examples whose (query, answers) pair was already seen.</summary>
    public int Duplicates { get; init; }

    public int MinPerTool { get; init; }
    public int MaxPerTool { get; init; }

    /// <summary>Examples with answers "[]".</summary>
    public int NoCallExamples { get; init; }

    public IReadOnlyList<InvalidLine> InvalidLines { get; init; } = [];

    /// <summary>(line, tool name) for answers naming a tool absent from that row's tools.</summary>
    public IReadOnlyList<InvalidLine> UnknownToolCalls { get; init; } = [];

    /// <summary>Tools with fewer calls than the warning threshold (upstream: 120).</summary>
    public IReadOnlyList<string> UnderrepresentedTools { get; init; } = [];

    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyList<string> Errors { get; init; } = [];

    public bool CanTrain => Errors.Count == 0;

    /// <summary>The upstream log summary line.</summary>
    public string Summary => $"Validated: {Total} examples, {PerTool.Count} tools, {Duplicates} duplicates";
}

/// <summary>Thresholds for <see cref="ExampleJsonlReader"/>'s report.</summary>
public sealed record DataValidationOptions
{
    /// <summary>Fewer valid examples than this refuses training (upstream finetune: 3).</summary>
    public int MinExamples { get; init; } = 3;

    /// <summary>Tools with fewer calls than this get a warning (upstream: 120, the 100/10/10 guidance).</summary>
    public int WarnCallsPerTool { get; init; } = 120;

    /// <summary>
    /// A tool with fewer calls than this refuses training (0 = never, like upstream). Our addition, for callers such as
    /// the web app that want to insist on enough data per tool.
    /// </summary>
    public int MinCallsPerTool { get; init; } = 0;

    /// <summary>Upstream keeps only the first 20 warning lines.</summary>
    public int MaxWarnings { get; init; } = 20;
}
