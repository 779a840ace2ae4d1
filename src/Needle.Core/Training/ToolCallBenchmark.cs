using System.Globalization;
using Needle.Core.Data;
using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>Result of <see cref="ToolCallBenchmark.Score"/> (upstream <c>benchmark_tool_calls</c>, unrounded).</summary>
public sealed record BenchmarkMetrics(
    int NumSamples, double ExactMatch, double JsonParseRate,
    double NamePrecision, double NameRecall, double NameF1, double ArgsAcc,
    double ParamHaluc, double ParamMiss, double ValueAcc,
    double CallPrecision, double CallRecall, double CallF1,
    double EmptyRefPct, double EmptyPredPct,
    IReadOnlyList<(string Query, string Ref, string Pred)> Samples, IReadOnlyList<EvalFailure> Failures);

/// <summary>
/// <c>needle eval</c>'s tool-call benchmark (needle-model.md §6.3): names snake_cased on both sides, top-level
/// argument values normalized (numbers by float repr, strings trimmed/lowercased, "at "/"today at " dropped),
/// P/R/F1 with a 1e-9 guard, empty+empty counts as exact. Generation is the caller's job.
/// </summary>
public static class ToolCallBenchmark
{
    public const int MaxFailures = 50;

    /// <summary>Upstream's <c>_normalize_value</c>.</summary>
    public static PyJsonValue NormalizeValue(PyJsonValue v)
    {
        if (v is PyJsonString str)
        {
            string s = str.Value;
            if (TryPythonFloat(s, out double f)) s = FloatStr(f);
            s = s.Trim().ToLowerInvariant();
            if (s.StartsWith("at ", StringComparison.Ordinal)) s = s[3..].Trim();
            if (s.StartsWith("today at ", StringComparison.Ordinal)) s = s["today at ".Length..].Trim();
            return new PyJsonString(s);
        }
        if (v is PyJsonFloat d) return new PyJsonString(FloatStr(d.Value));
        return v;
    }

    // Python str(float): repr, but inf/nan spelled lowercase.
    private static string FloatStr(double d) =>
        double.IsNaN(d) ? "nan" : double.IsPositiveInfinity(d) ? "inf" : double.IsNegativeInfinity(d) ? "-inf" : PyJson.FloatRepr(d);

    // Python float(str): surrounding whitespace, sign, digits/point/exponent, inf/infinity/nan (underscores not handled).
    private static bool TryPythonFloat(string s, out double f)
    {
        string t = s.Trim();
        string body = t.TrimStart('+', '-');
        if (t.Length - body.Length > 1) { f = 0; return false; }
        bool neg = t.StartsWith('-');
        switch (body.ToLowerInvariant())
        {
            case "inf" or "infinity": f = neg ? double.NegativeInfinity : double.PositiveInfinity; return true;
            case "nan": f = double.NaN; return true;
        }
        if (body.Length == 0 || !(char.IsAsciiDigit(body[0]) || body[0] == '.')) { f = 0; return false; }
        return double.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out f);
    }

    private static PyJsonValue NormalizeArgs(PyJsonValue args)
    {
        if (args is not PyJsonObject d) return args;
        var o = new PyJsonObject();
        foreach (var (k, v) in d.Entries) o[k] = NormalizeValue(v);
        return o;
    }

    private static void SnakeNames(IEnumerable<PyJsonValue> calls)
    {
        foreach (var c in calls.OfType<PyJsonObject>())
            if (c.GetString("name") is { } n) c["name"] = new PyJsonString(PyCompat.ToSnakeCase(n));
    }

    public static BenchmarkMetrics Score(IReadOnlyList<ToolCallExample> examples, IReadOnlyList<string> predictions)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Count != examples.Count) throw new ArgumentException($"{predictions.Count} predictions for {examples.Count} examples.", nameof(predictions));
        int total = 0, exact = 0, tpN = 0, fpN = 0, fnN = 0, tpC = 0, fpC = 0, fnC = 0, parseErr = 0, emptyRef = 0, emptyPred = 0;
        int argsOk = 0, argsTotal = 0;
        var paramCounts = new ParamCounts();
        var samples = new List<(string, string, string)>();
        var failures = new List<EvalFailure>();
        Func<PyJsonValue, string?> key = c => ToolCallScoring.CallKey(c, NormalizeArgs, argsDefaultEmpty: true);

        for (int i = 0; i < examples.Count; i++)
        {
            var ex = examples[i];
            string refText = ex.Answers, pred = predictions[i].Trim();
            var refCalls = PyJson.TryLoads(refText, out var r) ? PyCompat.Iterate(r) : [];
            SnakeNames(refCalls);
            if (PyJson.TryLoads(pred, out var raw))
            {
                if (raw is PyJsonArray l) SnakeNames(l.Items);
                else if (raw is PyJsonObject d) SnakeNames([d]);
                pred = PyJson.DumpsSpaced(raw);
            }
            PyJsonValue toolDefs = PyJson.TryLoads(ex.Tools, out var td) ? td : PyJsonNull.Instance;
            if (toolDefs is PyJsonArray tl) SnakeNames(tl.Items);

            List<PyJsonValue> predCalls = [];
            bool parsed = PyJson.TryLoads(pred, out var pp);
            if (parsed) predCalls = ToolCallScoring.AsCalls(pp); else parseErr++;
            total++;
            if (i < 10) samples.Add((PyCompat.Slice(ex.Query, 80), PyCompat.Slice(refText, 120), PyCompat.Slice(pred, 120)));

            bool refEmpty = refText.Trim() is "" or "[]", predEmpty = pred is "" or "[]";
            if (refEmpty) emptyRef++;
            if (predEmpty) emptyPred++;
            bool isExact = CallComparison.IsExact(refCalls, predCalls, key, refEmpty, predEmpty);
            if (isExact) exact++;

            var rn = ToolCallScoring.Names(refCalls); var pn = ToolCallScoring.Names(predCalls);
            tpN += pn.Count(rn.Contains); fpN += pn.Count(x => !rn.Contains(x)); fnN += rn.Count(x => !pn.Contains(x));
            var rk = ToolCallScoring.Keys(refCalls, key); var pk = ToolCallScoring.Keys(predCalls, key);
            tpC += pk.Count(rk.Contains); fpC += pk.Count(x => !rk.Contains(x)); fnC += rk.Count(x => !pk.Contains(x));

            var refByName = ToolCallScoring.RefArgsByName(refCalls);
            CallComparison.CountArgs(refByName, predCalls, NormalizeArgs, ref argsTotal, ref argsOk);
            CallComparison.CountParams(toolDefs, refByName, predCalls, NormalizeValue, paramCounts);

            bool failExact = CallComparison.IsFailureExact(refCalls, predCalls, key, refEmpty, predEmpty);
            if (!failExact && failures.Count < MaxFailures)
                failures.Add(new EvalFailure(PyCompat.Slice(ex.Query, 200), PyCompat.Slice(refText, 300), PyCompat.Slice(pred, 300),
                    FailureReasons.Explain(refCalls, predCalls, parsed, refEmpty, predEmpty, benchmarkStyle: true, NormalizeValue)));
        }

        double nP = (double)tpN / Math.Max(tpN + fpN, 1), nR = (double)tpN / Math.Max(tpN + fnN, 1);
        double cP = (double)tpC / Math.Max(tpC + fpC, 1), cR = (double)tpC / Math.Max(tpC + fnC, 1);
        int t1 = Math.Max(total, 1);
        return new BenchmarkMetrics(total, (double)exact / t1, 1.0 - (double)parseErr / t1,
            nP, nR, 2 * nP * nR / Math.Max(nP + nR, 1e-9), (double)argsOk / Math.Max(argsTotal, 1),
            (double)paramCounts.Hallucinated / Math.Max(paramCounts.PredParams, 1), (double)paramCounts.Missing / Math.Max(paramCounts.RefParams, 1), (double)paramCounts.CorrectValues / Math.Max(paramCounts.Matched, 1),
            cP, cR, 2 * cP * cR / Math.Max(cP + cR, 1e-9), (double)emptyRef / t1, (double)emptyPred / t1, samples, failures);
    }

    /// <summary>
    /// <c>needle eval</c>'s stratified pools over a validation set: single/multi × #tools buckets,
    /// <c>max(1, samples // 14)</c> per bucket, one <c>RandomState(42)</c> stream.
    /// </summary>
    public static (IReadOnlyList<ToolCallExample> Single, IReadOnlyList<ToolCallExample> Multi) StratifiedPools(
        IReadOnlyList<ToolCallExample> validation, int toolCallSamples = 200) =>
        EvalPool.Stratify(validation, new NumpyRandomState(42), Math.Max(1, toolCallSamples / 14));
}
