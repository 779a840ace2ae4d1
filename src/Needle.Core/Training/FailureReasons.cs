using Needle.Core.Data;

namespace Needle.Core.Training;

/// <summary>
/// Why a prediction is not exact, in the words of upstream's epoch printout (train.py) or, with
/// <c>benchmarkStyle</c>, of <c>needle eval</c>. Keys are listed in sorted order (upstream's set order is random).
/// </summary>
internal static class FailureReasons
{
    private const string Missing = "<MISSING>";

    public static IReadOnlyList<string> Explain(
        IReadOnlyList<object?> refCalls, IReadOnlyList<object?> predCalls, bool parsed, bool refEmpty, bool predEmpty,
        bool benchmarkStyle = false, Func<object?, object?>? normalizeValue = null)
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
            foreach (var c in predCalls.OfType<PythonDict>().Where(c => c.ContainsKey("name")))
            {
                string name = ToolCallScoring.NameId(c["name"]);
                if (!refByName.TryGetValue(name, out var refArgs)) continue;
                var pa = c.GetValueOrDefault("arguments", new PythonDict()) as PythonDict ?? new PythonDict();
                var ra = refArgs[0] as PythonDict ?? new PythonDict();
                foreach (var k in pa.Keys.Union(ra.Keys).OrderBy(k => k, StringComparer.Ordinal))
                {
                    object? pv = pa.ContainsKey(k) ? pa[k] : Missing, rv = ra.ContainsKey(k) ? ra[k] : Missing;
                    if (PyCompat.Canon(normalizeValue(pv)) == PyCompat.Canon(normalizeValue(rv))) continue;
                    string diff = $"{name}.{k}={PyCompat.Slice(PythonJson.Dumps(pv, compact: false), cut)}!={PyCompat.Slice(PythonJson.Dumps(rv, compact: false), cut)}";
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
