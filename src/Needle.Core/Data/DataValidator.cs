using Needle.Core.Json;

namespace Needle.Core.Data;

/// <summary>Builds the <see cref="DataValidationReport"/> for examples already read (also usable on generated data).</summary>
public static class DataValidator
{
    public static DataValidationReport Validate(IReadOnlyList<ToolCallExample> examples, DataValidationOptions? options = null) =>
        Validate(examples, Enumerable.Range(1, examples.Count).ToList(), [], options ?? new DataValidationOptions());

    internal static DataValidationReport Validate(
        IReadOnlyList<ToolCallExample> examples, IReadOnlyList<int> lines, IReadOnlyList<InvalidLine> invalid, DataValidationOptions options)
    {
        var perTool = new Dictionary<string, int>(StringComparer.Ordinal);
        var perToolOrder = new List<string>();
        var perPrimary = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<(string, string)>();
        var unknown = new List<InvalidLine>();
        int duplicates = 0, noCall = 0;

        for (int i = 0; i < examples.Count; i++)
        {
            var ex = examples[i];
            if (!seen.Add((ex.Query, ex.Answers))) duplicates++;
            var names = ex.CallNames();
            if (names.Count == 0) noCall++;
            string primary = names.Count > 0 ? names[0] : PerToolSplit.NoToolBucket;
            perPrimary[primary] = perPrimary.GetValueOrDefault(primary) + 1;
            var known = ToolNames(ex.Tools);
            foreach (var n in names)
            {
                if (!perTool.ContainsKey(n)) perToolOrder.Add(n);
                perTool[n] = perTool.GetValueOrDefault(n) + 1;
                if (known is not null && !known.Contains(n)) unknown.Add(new InvalidLine(lines[i], n));
            }
        }

        var ordered = perToolOrder.ToDictionary(n => n, n => perTool[n], StringComparer.Ordinal);
        var under = ordered.Where(kv => kv.Value < options.WarnCallsPerTool).Select(kv => kv.Key).ToList();

        var warnings = new List<string>();
        foreach (var bad in invalid) warnings.Add($"Line {bad.Line}: {bad.Reason}");
        foreach (var u in unknown) warnings.Add($"Line {u.Line}: answer calls unknown tool '{u.Reason}'");
        foreach (var t in under) warnings.Add($"Tool '{t}' has only {ordered[t]} examples (recommended: {options.WarnCallsPerTool}+)");
        if (duplicates > 0) warnings.Add($"{duplicates} duplicate (query, answers) pairs");

        var errors = new List<string>();
        if (examples.Count < options.MinExamples)
            errors.Add($"Need at least {options.MinExamples} valid examples, found {examples.Count}.");
        if (options.MinCallsPerTool > 0)
            foreach (var kv in ordered.Where(kv => kv.Value < options.MinCallsPerTool))
                errors.Add($"Tool '{kv.Key}' has {kv.Value} examples; at least {options.MinCallsPerTool} are required.");

        return new DataValidationReport
        {
            Total = examples.Count,
            PerTool = ordered,
            PerPrimaryTool = perPrimary,
            Duplicates = duplicates,
            MinPerTool = ordered.Count > 0 ? ordered.Values.Min() : 0,
            MaxPerTool = ordered.Count > 0 ? ordered.Values.Max() : 0,
            NoCallExamples = noCall,
            InvalidLines = invalid,
            UnknownToolCalls = unknown,
            UnderrepresentedTools = under,
            Warnings = warnings.Take(options.MaxWarnings).ToList(),
            Errors = errors,
        };
    }

    // Names declared in a tools JSON string, or null when it cannot be read (then nothing is flagged unknown).
    private static HashSet<string>? ToolNames(string tools)
    {
        if (!PyJson.TryLoads(tools, out var v) || v is not PyJsonArray list) return null;
        return list.Items.OfType<PyJsonObject>().Select(t => t.GetString("name")).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }
}
