using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>Argument/parameter tallies of <see cref="CallComparison.CountParams"/>, summed over a pool.</summary>
internal sealed class ParamCounts
{
    public int PredParams, Hallucinated, RefParams, Missing, Matched, CorrectValues;
}

/// <summary>
/// The per-example comparisons that <see cref="EvalPool"/> (<c>needle eval</c>) and <see cref="ToolCallBenchmark"/>
/// (<c>benchmark</c>) both make upstream; they differ only in how arguments and values are normalized first.
/// </summary>
internal static class CallComparison
{
    public static readonly Func<PyJsonValue, PyJsonValue> Identity = static v => v;

    /// <summary>Exact match: both empty, or the same sorted keys with every call in both lists having a key.</summary>
    public static bool IsExact(List<PyJsonValue> refCalls, List<PyJsonValue> predCalls, Func<PyJsonValue, string?> key, bool refEmpty, bool predEmpty)
    {
        if (refEmpty && predEmpty) return true;
        if (refEmpty || predEmpty) return false;
        var rs = ToolCallScoring.SortedTruthyKeys(refCalls, key);
        var ps = ToolCallScoring.SortedTruthyKeys(predCalls, key);
        return rs.SequenceEqual(ps) && rs.Count == refCalls.Count && ps.Count == predCalls.Count;
    }

    /// <summary>Upstream's failure check compares total lengths instead of key counts; same outcome for dict calls.</summary>
    public static bool IsFailureExact(List<PyJsonValue> refCalls, List<PyJsonValue> predCalls, Func<PyJsonValue, string?> key, bool refEmpty, bool predEmpty) =>
        (refEmpty && predEmpty) || (!refEmpty && !predEmpty
            && ToolCallScoring.SortedTruthyKeys(refCalls, key).SequenceEqual(ToolCallScoring.SortedTruthyKeys(predCalls, key))
            && refCalls.Count == predCalls.Count);

    /// <summary>Args accuracy: predicted calls whose name is in the reference, and how many of those have identical arguments.</summary>
    public static void CountArgs(Dictionary<string, List<PyJsonValue>> refByName, List<PyJsonValue> predCalls, Func<PyJsonValue, PyJsonValue> normalizeArgs,
        ref int total, ref int ok)
    {
        foreach (var (call, name) in ToolCallScoring.Named(predCalls))
        {
            if (!refByName.TryGetValue(ToolCallScoring.NameId(name), out var refArgs)) continue;
            total++;
            string pa = PyCompat.Canon(normalizeArgs(ToolCallScoring.ArgumentsOrEmpty(call)));
            if (refArgs.Any(ra => PyCompat.Canon(normalizeArgs(ra)) == pa)) ok++;
        }
    }

    /// <summary>Parameter hallucination / missing / value accuracy against the tool schemas and the reference's first call of each name.</summary>
    public static void CountParams(PyJsonValue toolDefs, Dictionary<string, List<PyJsonValue>> refByName, List<PyJsonValue> predCalls,
        Func<PyJsonValue, PyJsonValue> normalizeValue, ParamCounts counts)
    {
        var paramMap = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (tool, toolName) in ToolCallScoring.Named(PyCompat.Iterate(toolDefs)))
            paramMap[ToolCallScoring.NameId(toolName)] = ToolCallScoring.DictKeys(tool["parameters"]);
        foreach (var (call, callName) in ToolCallScoring.Named(predCalls))
        {
            string name = ToolCallScoring.NameId(callName);
            if (!paramMap.TryGetValue(name, out var schema)) continue;
            var predKeys = ToolCallScoring.DictKeys(call["arguments"]);
            counts.PredParams += predKeys.Count;
            counts.Hallucinated += predKeys.Count(k => !schema.Contains(k));
            if (!refByName.TryGetValue(name, out var refArgsList)) continue;
            var refArgs = refArgsList[0] as PyJsonObject;
            var refKeys = ToolCallScoring.DictKeys(refArgs);
            counts.RefParams += refKeys.Count;
            counts.Missing += refKeys.Count(k => !predKeys.Contains(k));
            var both = predKeys.Where(refKeys.Contains).ToList();
            counts.Matched += both.Count;
            if (both.Count == 0) continue;
            var predArgs = (PyJsonObject)call["arguments"]!;   // non-empty keys: both are dicts
            counts.CorrectValues += both.Count(k => PyCompat.Canon(normalizeValue(predArgs[k]!)) == PyCompat.Canon(normalizeValue(refArgs![k]!)));
        }
    }
}
