using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>
/// Why a prediction is not exact, in the words of upstream's epoch printout (train.py) or, with
/// <c>benchmarkStyle</c>, of <c>needle eval</c>. Keys are listed in sorted order (upstream's set order is random).
/// </summary>
internal static class FailureReasons
{
    private const string Missing = "<MISSING>";

    public static IReadOnlyList<string> Explain(
        IReadOnlyList<PyJsonValue> refCalls, IReadOnlyList<PyJsonValue> predCalls, bool parsed, bool refEmpty, bool predEmpty,
        bool benchmarkStyle = false, Func<PyJsonValue, PyJsonValue>? normalizeValue = null)
    {
        var reasons = new List<string>();
        if (benchmarkStyle && !parsed) reasons.Add("json_parse_error");
        var rn = ToolCallScoring.Names(refCalls);
        var pn = ToolCallScoring.Names(predCalls);
        var fp = pn.Where(x => !rn.Contains(x)).OrderBy(x => x, StringComparer.Ordinal).ToList();
        var fn = rn.Where(x => !pn.Contains(x)).OrderBy(x => x, StringComparer.Ordinal).ToList();
        if (fp.Count > 0) reasons.Add("wrong_tools:" + string.Join(',', fp));
        if (fn.Count > 0) reasons.Add("missing_tools:" + string.Join(',', fn));
        if (fp.Count == 0 && fn.Count == 0 && pn.Count > 0)
        {
            var refByName = ToolCallScoring.RefArgsByName(refCalls);
            normalizeValue ??= v => v;
            int cut = benchmarkStyle ? 60 : 50;
            var missing = new PyJsonString(Missing);
            foreach (var (c, callName) in ToolCallScoring.Named(predCalls))
            {
                string name = ToolCallScoring.NameId(callName);
                if (!refByName.TryGetValue(name, out var refArgs)) continue;
                var pa = ToolCallScoring.ArgumentsOrEmpty(c) as PyJsonObject ?? new PyJsonObject();
                var ra = refArgs[0] as PyJsonObject ?? new PyJsonObject();
                foreach (var k in pa.Keys.Union(ra.Keys).OrderBy(k => k, StringComparer.Ordinal))
                {
                    PyJsonValue pv = pa.Get(k, missing), rv = ra.Get(k, missing);
                    if (PyCompat.Canon(normalizeValue(pv)) == PyCompat.Canon(normalizeValue(rv))) continue;
                    string diff = $"{name}.{k}={PyCompat.Slice(PyJson.DumpsSpaced(pv), cut)}!={PyCompat.Slice(PyJson.DumpsSpaced(rv), cut)}";
                    reasons.Add(benchmarkStyle ? "value_mismatch:" + diff : diff);
                }
            }
        }
        if (refEmpty && !predEmpty) reasons.Add(benchmarkStyle ? "false_positive:should_be_empty" : "false_positive");
        if (!refEmpty && predEmpty) reasons.Add(benchmarkStyle ? "false_negative:predicted_empty" : "false_negative");
        if (reasons.Count == 0) reasons.Add("unknown");
        return reasons;
    }
}
