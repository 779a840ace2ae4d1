using Needle.Core.Data;
using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>Per reference tool: calls reproduced exactly / calls expected.</summary>
public sealed record ToolScore(int Correct, int Total)
{
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;
}

/// <summary>One example the model got wrong: what was asked, expected and produced, and why (when known).</summary>
public sealed record EvalFailure(string Query, string Expected, string Got, IReadOnlyList<string> Reasons);

/// <summary>
/// <c>_quick_tool_eval</c>'s result (needle-model.md §6.1): ratios rounded to 4 decimals like Python's round.
/// <see cref="Failures"/> is ours (upstream does not list them here): every non-exact example.
/// </summary>
public sealed record ToolEvalMetrics(
    double CallF1, double NameF1, double ExactMatch, double ParseRate, double ArgsAcc, int N,
    IReadOnlyDictionary<string, ToolScore> PerTool, IReadOnlyList<EvalFailure> Failures)
{
    /// <summary>The upstream dict in its field order (what <c>BASE_EVAL:</c> / <c>FINETUNED_EVAL:</c> print).</summary>
    public PyJsonObject ToPyDict()
    {
        var perTool = new PyJsonObject();
        foreach (var (name, s) in PerTool) perTool[name] = new PyJsonObject { ["correct"] = PyJson.Int(s.Correct), ["total"] = PyJson.Int(s.Total) };
        return new PyJsonObject
        {
            ["call_f1"] = PyJson.Float(CallF1), ["name_f1"] = PyJson.Float(NameF1), ["exact_match"] = PyJson.Float(ExactMatch),
            ["parse_rate"] = PyJson.Float(ParseRate), ["args_acc"] = PyJson.Float(ArgsAcc), ["n"] = PyJson.Int(N), ["per_tool"] = perTool,
        };
    }

    /// <summary><c>json.dumps(metrics)</c>: default separators, ASCII, Python float repr.</summary>
    public string ToUpstreamJson() => PyJson.DumpsSpaced(ToPyDict());

    /// <summary>The upstream stdout line, e.g. <c>BASE_EVAL:{"call_f1": 0.5, ...}</c>.</summary>
    public string ToEmitLine(string tag) => tag + ":" + ToUpstreamJson();
}

/// <summary>
/// Upstream finetune's <c>_quick_tool_eval</c> scoring (needle-model.md §6.1, playground-reference B8). Generation is
/// the caller's job: take <see cref="SelectSamples"/>, predict each (constrained, names restored), then <see cref="Score"/>.
/// </summary>
public static class QuickToolEval
{
    /// <summary>Test examples with a non-empty reference (answers not "" or "[]" after strip).</summary>
    public static IReadOnlyList<ToolCallExample> SelectSamples(IEnumerable<ToolCallExample> examples) =>
        examples.Where(e => e.Answers.Trim() is not ("" or "[]")).ToList();

    /// <summary>Scores predictions aligned with <paramref name="samples"/>; null when there are no samples (upstream's {}).</summary>
    public static ToolEvalMetrics? Score(IReadOnlyList<ToolCallExample> samples, IReadOnlyList<string> predictions)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Count != samples.Count) throw new ArgumentException($"{predictions.Count} predictions for {samples.Count} samples.", nameof(predictions));
        int n = samples.Count;
        if (n == 0) return null;

        int parseOk = 0, exact = 0, nTp = 0, nFp = 0, nFn = 0, cTp = 0, cFp = 0, cFn = 0, argsOk = 0, argsTotal = 0;
        var perTool = new Dictionary<string, (int C, int T)>(StringComparer.Ordinal);
        var order = new List<string>();
        var failures = new List<EvalFailure>();
        Func<PyJsonValue, string?> key = c => ToolCallScoring.CallKey(c);

        for (int i = 0; i < n; i++)
        {
            string pred = predictions[i].Trim();
            string refText = samples[i].Answers.Trim();
            var refCalls = PyJson.TryLoads(refText, out var r) ? PyCompat.Iterate(r) : [];
            List<PyJsonValue> predCalls = [];
            bool parsed = PyJson.TryLoads(pred, out var p);
            if (parsed) { predCalls = ToolCallScoring.AsCalls(p); parseOk++; }

            var refKeys = ToolCallScoring.SortedTruthyKeys(refCalls, key);
            var predKeys = ToolCallScoring.SortedTruthyKeys(predCalls, key);
            bool isExact = refKeys.SequenceEqual(predKeys) && refKeys.Count == refCalls.Count && predKeys.Count == predCalls.Count;
            if (isExact) exact++;

            var rn = ToolCallScoring.Names(refCalls);
            var pn = ToolCallScoring.Names(predCalls);
            nTp += pn.Count(rn.Contains); nFp += pn.Count(x => !rn.Contains(x)); nFn += rn.Count(x => !pn.Contains(x));

            var rk = ToolCallScoring.Keys(refCalls, key);
            var pk = ToolCallScoring.Keys(predCalls, key);
            cTp += pk.Count(rk.Contains); cFp += pk.Count(x => !rk.Contains(x)); cFn += rk.Count(x => !pk.Contains(x));

            var refByName = ToolCallScoring.RefArgsByName(refCalls);
            foreach (var (c, callName) in ToolCallScoring.Named(predCalls))
            {
                if (!refByName.TryGetValue(ToolCallScoring.NameId(callName), out var refArgs)) continue;
                argsTotal++;
                string pa = PyCompat.Canon(ToolCallScoring.ArgumentsOrEmpty(c));
                if (refArgs.Any(ra => PyCompat.Canon(ra) == pa)) argsOk++;
            }

            foreach (var (c, refName) in ToolCallScoring.Named(refCalls))
            {
                string name = ToolCallScoring.NameId(refName);
                string ra = PyCompat.Canon(ToolCallScoring.ArgumentsOrEmpty(c));
                if (!perTool.ContainsKey(name)) { perTool[name] = (0, 0); order.Add(name); }
                var (cc, tt) = perTool[name];
                bool ok = ToolCallScoring.Named(predCalls).Any(pc =>
                    ToolCallScoring.NameId(pc.Name) == name && PyCompat.Canon(ToolCallScoring.ArgumentsOrEmpty(pc.Call)) == ra);
                perTool[name] = (cc + (ok ? 1 : 0), tt + 1);
            }

            if (!isExact) failures.Add(new EvalFailure(samples[i].Query, refText, pred, FailureReasons.Explain(refCalls, predCalls, parsed, refEmpty: false, predEmpty: pred is "" or "[]")));
        }

        return new ToolEvalMetrics(
            PyCompat.Round(ToolCallScoring.F1(cTp, cFp, cFn), 4),
            PyCompat.Round(ToolCallScoring.F1(nTp, nFp, nFn), 4),
            PyCompat.Round((double)exact / Math.Max(n, 1), 4),
            PyCompat.Round((double)parseOk / Math.Max(n, 1), 4),
            PyCompat.Round((double)argsOk / Math.Max(argsTotal, 1), 4),
            n,
            order.ToDictionary(k => k, k => new ToolScore(perTool[k].C, perTool[k].T), StringComparer.Ordinal),
            failures);
    }
}
