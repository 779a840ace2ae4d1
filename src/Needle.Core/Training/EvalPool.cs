using Needle.Core.Data;
using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>Counts of one #tools bucket (0–10) of a pool.</summary>
public sealed record ToolCountStats(int N, int Exact, int NameTp, int NameFp, int NameFn, int CallTp, int CallFp, int CallFn, int ParseErrors)
{
    public double NameF1 => ToolCallScoring.F1(NameTp, NameFp, NameFn);
    public double CallF1 => ToolCallScoring.F1(CallTp, CallFp, CallFn);
    public double ExactMatch => N == 0 ? 0 : (double)Exact / N;
    public double ParseRate => N == 0 ? 0 : 1.0 - (double)ParseErrors / N;
}

/// <summary>The epoch-end metrics of one pool (needle-model.md §6.2): unrounded, with up to 30 diagnosed failures.</summary>
public sealed record PoolMetrics(
    int N, double ParseRate, double ExactMatch, double NameF1, double CallF1, double ArgsAcc,
    double ParamHaluc, double ParamMiss, double ValueAcc,
    IReadOnlyList<EvalFailure> Failures, IReadOnlyList<ToolCountStats> PerToolCount);

/// <summary>
/// Upstream train.py's epoch-end generation eval: pool building (<c>_balanced_sample</c>), <c>_eval_pool</c> scoring
/// and the best-checkpoint rule. Generation (INT4 fake-quant, unconstrained) is the caller's job.
/// </summary>
public static class EvalPool
{
    public const int MaxFailures = 30;

    /// <summary>"single" (1 call) / "multi" (&gt;1) / "empty" (no calls or unparsable), as <c>_classify_sample</c>.</summary>
    public static string Classify(ToolCallExample ex)
    {
        if (!PyJson.TryLoads(ex.Answers, out var a) || a is not PyJsonArray list || list.Count == 0) return "empty";
        return list.Count == 1 ? "single" : "multi";
    }

    /// <summary>min(len(tools), 10), or 0 when the tools are not JSON (or have no length).</summary>
    public static int ToolCount(string tools) =>
        PyJson.TryLoads(tools, out var t) && PyCompat.Len(t) is int n ? Math.Min(n, 10) : 0;

    /// <summary>
    /// The "single" and "multi" pools over the kept val examples: per #tools bucket at most <paramref name="perBucket"/>,
    /// drawn with <c>RandomState(epoch + 42)</c> (one stream for both pools), then each pool shuffled.
    /// </summary>
    public static (IReadOnlyList<ToolCallExample> Single, IReadOnlyList<ToolCallExample> Multi) BuildPools(
        IReadOnlyList<ToolCallExample> keptVal, int epoch, int perBucket = 50) =>
        Stratify(keptVal, new NumpyRandomState((uint)(epoch + 42)), perBucket);

    internal static (IReadOnlyList<ToolCallExample>, IReadOnlyList<ToolCallExample>) Stratify(
        IReadOnlyList<ToolCallExample> examples, NumpyRandomState rng, int perBucket)
    {
        var buckets = new Dictionary<string, List<int>[]>
        {
            ["single"] = Enumerable.Range(0, 11).Select(_ => new List<int>()).ToArray(),
            ["multi"] = Enumerable.Range(0, 11).Select(_ => new List<int>()).ToArray(),
        };
        for (int k = 0; k < examples.Count; k++)
        {
            string type = Classify(examples[k]);
            if (type != "empty") buckets[type][ToolCount(examples[k].Tools)].Add(k);
        }
        List<ToolCallExample> Sample(List<int>[] b)
        {
            var pool = new List<int>();
            for (int t = 0; t < 11; t++)
            {
                if (b[t].Count == 0) continue;
                var arr = b[t].ToArray();
                rng.Shuffle(arr);
                pool.AddRange(arr.Take(perBucket));
            }
            rng.Shuffle(pool);
            return pool.Select(i => examples[i]).ToList();
        }
        var single = Sample(buckets["single"]);
        var multi = Sample(buckets["multi"]);
        return (single, multi);
    }

    /// <summary>The 4 examples with calls + 1 without shown each epoch (<c>RandomState(epoch + 7)</c>).</summary>
    public static IReadOnlyList<ToolCallExample> DisplaySamples(IReadOnlyList<ToolCallExample> keptVal, int epoch)
    {
        var with = new List<ToolCallExample>(); var without = new List<ToolCallExample>();
        foreach (int k in new NumpyRandomState((uint)(epoch + 7)).Permutation(keptVal.Count))
        {
            if (with.Count >= 4 && without.Count >= 1) break;
            bool empty = keptVal[k].Answers.Trim() is "" or "[]";
            if (!empty && with.Count < 4) with.Add(keptVal[k]);
            else if (empty && without.Count < 1) without.Add(keptVal[k]);
        }
        return [.. with, .. without];
    }

    /// <summary><c>_eval_pool</c>: null for an empty pool (upstream's {}).</summary>
    public static PoolMetrics? Score(IReadOnlyList<ToolCallExample> examples, IReadOnlyList<string> predictions)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Count != examples.Count) throw new ArgumentException($"{predictions.Count} predictions for {examples.Count} examples.", nameof(predictions));
        var pc = new int[11, 9];   // n, exact, nTP, nFP, nFN, cTP, cFP, cFN, parse_err
        int n = 0, exact = 0, nTp = 0, nFp = 0, nFn = 0, cTp = 0, cFp = 0, cFn = 0, parseErr = 0;
        int argsOk = 0, argsTotal = 0;
        var paramCounts = new ParamCounts();
        var failures = new List<EvalFailure>();
        Func<PyJsonValue, string?> key = c => ToolCallScoring.CallKey(c);

        for (int i = 0; i < examples.Count; i++)
        {
            var ex = examples[i];
            PyJsonValue toolDefs = PyJson.TryLoads(ex.Tools, out var td) && PyCompat.Len(td) is not null ? td : new PyJsonArray();
            int t = Math.Min(PyCompat.Len(toolDefs) ?? 0, 10);

            string refText = ex.Answers.Trim(), pred = predictions[i].Trim();
            bool refEmpty = refText is "" or "[]", predEmpty = pred is "" or "[]";
            var refCalls = !refEmpty && PyJson.TryLoads(refText, out var r) ? PyCompat.Iterate(r) : [];
            List<PyJsonValue> predCalls = [];
            bool parsed = true;
            if (!predEmpty)
            {
                if (PyJson.TryLoads(pred, out var p)) predCalls = ToolCallScoring.AsCalls(p);
                else { parsed = false; parseErr++; pc[t, 8]++; }
            }
            n++; pc[t, 0]++;

            bool isExact = CallComparison.IsExact(refCalls, predCalls, key, refEmpty, predEmpty);
            if (isExact) { exact++; pc[t, 1]++; }

            var rn = ToolCallScoring.Names(refCalls); var pn = ToolCallScoring.Names(predCalls);
            int a = pn.Count(rn.Contains), b = pn.Count(x => !rn.Contains(x)), c = rn.Count(x => !pn.Contains(x));
            nTp += a; nFp += b; nFn += c; pc[t, 2] += a; pc[t, 3] += b; pc[t, 4] += c;
            var rk = ToolCallScoring.Keys(refCalls, key); var pk = ToolCallScoring.Keys(predCalls, key);
            a = pk.Count(rk.Contains); b = pk.Count(x => !rk.Contains(x)); c = rk.Count(x => !pk.Contains(x));
            cTp += a; cFp += b; cFn += c; pc[t, 5] += a; pc[t, 6] += b; pc[t, 7] += c;

            var refByName = ToolCallScoring.RefArgsByName(refCalls);
            CallComparison.CountArgs(refByName, predCalls, CallComparison.Identity, ref argsTotal, ref argsOk);
            CallComparison.CountParams(toolDefs, refByName, predCalls, CallComparison.Identity, paramCounts);

            bool failExact = CallComparison.IsFailureExact(refCalls, predCalls, key, refEmpty, predEmpty);
            if (!failExact && failures.Count < MaxFailures)
                failures.Add(new EvalFailure(PyCompat.Slice(ex.Query, 150), PyCompat.Slice(refText, 200), PyCompat.Slice(pred, 200),
                    FailureReasons.Explain(refCalls, predCalls, parsed, refEmpty, predEmpty)));
        }
        if (n == 0) return null;

        var perCount = Enumerable.Range(0, 11).Select(t => new ToolCountStats(pc[t, 0], pc[t, 1], pc[t, 2], pc[t, 3], pc[t, 4], pc[t, 5], pc[t, 6], pc[t, 7], pc[t, 8])).ToList();
        return new PoolMetrics(n, 1.0 - (double)parseErr / n, (double)exact / n, ToolCallScoring.F1(nTp, nFp, nFn), ToolCallScoring.F1(cTp, cFp, cFn),
            (double)argsOk / Math.Max(argsTotal, 1), (double)paramCounts.Hallucinated / Math.Max(paramCounts.PredParams, 1), (double)paramCounts.Missing / Math.Max(paramCounts.RefParams, 1),
            (double)paramCounts.CorrectValues / Math.Max(paramCounts.Matched, 1), failures, perCount);
    }
}

/// <summary>
/// Upstream's best-checkpoint rule (§5.3 step 4, §10 #12): a new best when the single-call pool's call_f1 is strictly
/// greater than the best so far, which starts at 0 (so a run that never beats 0 has no best; the last epoch is promoted).
/// </summary>
public sealed class BestCheckpointSelector
{
    public double Best { get; private set; }
    public int? BestEpoch { get; private set; }

    /// <summary>Returns true when this epoch's score is a new best (then the caller copies the epoch checkpoint).</summary>
    public bool Offer(int epoch, PoolMetrics? single)
    {
        double score = single?.CallF1 ?? 0;
        if (score <= Best) return false;
        Best = score; BestEpoch = epoch;
        return true;
    }
}
