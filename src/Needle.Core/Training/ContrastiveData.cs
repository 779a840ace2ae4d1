using Needle.Core.Data;
using Needle.Core.Json;
using Needle.Core.Tokenization;

namespace Needle.Core.Training;

/// <summary>
/// The contrastive (query ↔ tool) arrays upstream builds during finetune (needle-model.md §3.6): per kept example its
/// query tokens, and per tool of its <b>shuffled</b> tools list the compact tool JSON's tokens and a positive flag.
/// </summary>
public sealed class ContrastiveData
{
    public const int MaxToolLen = 256;

    public List<int[]> Queries { get; } = [];       // one per kept example, ≤ 1024 tokens
    public List<int[]> Tools { get; } = [];         // one per tool, ≤ 256 tokens
    public List<int> ToolQuery { get; } = [];       // tool → index into Queries
    public List<bool> IsPositive { get; } = [];     // tool name appears among the example's answer names

    /// <param name="examples">The split list the prepared examples index into (for the raw answers).</param>
    public static ContrastiveData Build(IReadOnlyList<ToolCallExample> examples, PreparedExamples prepared, ITokenizer tokenizer,
        int maxQueryLen = SpecialTokens.MaxEncLen)
    {
        var data = new ContrastiveData();
        foreach (var e in prepared.Examples.OrderBy(e => e.SourceIndex))
        {
            int local = data.Queries.Count;
            var q = tokenizer.Encode(e.Query);
            data.Queries.Add(q.Length <= maxQueryLen ? q : q[..maxQueryLen]);
            var positives = examples[e.SourceIndex].CallNames().ToHashSet(StringComparer.Ordinal);
            if (!PyJson.TryLoads(e.ToolsText, out var parsed) || parsed is not PyJsonArray tools) continue;
            foreach (var tool in tools.Items.OfType<PyJsonObject>())
            {
                var ids = tokenizer.Encode(PyJson.Dumps(tool));
                data.Tools.Add(ids.Length <= MaxToolLen ? ids : ids[..MaxToolLen]);
                data.ToolQuery.Add(local);
                data.IsPositive.Add(tool.GetString("name") is { } n && positives.Contains(n));
            }
        }
        return data;
    }

    /// <summary>
    /// Upstream's <c>get_contrastive_batches</c>: queries with ≥ 1 positive tool, shuffled with <paramref name="rng"/>,
    /// in full chunks of <paramref name="batchSize"/>; each query paired with one uniformly drawn positive tool.
    /// Returns (query index, tool index) pairs per batch; pad with <see cref="Padding.PadRight"/> to 1024 / 256.
    /// </summary>
    public IEnumerable<(int[] Queries, int[] Tools)> Batches(int batchSize, NumpyRandomState rng)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        var posMap = new SortedDictionary<int, List<int>>();
        for (int t = 0; t < Tools.Count; t++)
            if (IsPositive[t])
            {
                if (!posMap.TryGetValue(ToolQuery[t], out var l)) posMap[ToolQuery[t]] = l = [];
                l.Add(t);
            }
        var idx = posMap.Keys.ToArray();
        if (idx.Length == 0) yield break;
        rng.Shuffle(idx);
        for (int s = 0; s + batchSize <= idx.Length; s += batchSize)
        {
            var qs = idx[s..(s + batchSize)];
            var ts = qs.Select(q => posMap[q][rng.RandInt(posMap[q].Count)]).ToArray();
            yield return (qs, ts);
        }
    }
}

/// <summary>Recall@k and MRR of the retrieval benchmark (needle-model.md §9.3).</summary>
public sealed record RetrievalMetrics(IReadOnlyDictionary<int, double> RecallAtK, double Mrr, int NumQueries)
{
    /// <summary>
    /// One group per query: its tools' scores and which are positive. Ranking is by descending score (ties by index;
    /// upstream's argsort leaves them unspecified).
    /// </summary>
    public static RetrievalMetrics Compute(IEnumerable<(IReadOnlyList<float> Scores, IReadOnlySet<int> Positives)> groups, int maxK = 5)
    {
        var hits = new int[maxK + 1];
        double mrr = 0; int n = 0;
        foreach (var (scores, pos) in groups)
        {
            n++;
            var ranked = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).ToList();
            int first = ranked.FindIndex(pos.Contains);
            if (first >= 0) mrr += 1.0 / (first + 1);
            for (int k = 1; k <= maxK; k++) if (first >= 0 && first < k) hits[k]++;
        }
        if (n == 0) return new RetrievalMetrics(new Dictionary<int, double>(), 0, 0);
        return new RetrievalMetrics(Enumerable.Range(1, maxK).ToDictionary(k => k, k => (double)hits[k] / n), mrr / n, n);
    }

    /// <summary>
    /// The benchmark's inputs from examples: queries whose answers name ≥ 1 tool present in their (list) tools; each
    /// tool as compact JSON; positive positions within the query's group. Up to <paramref name="maxSamples"/> examples.
    /// </summary>
    public static (List<string> Queries, List<List<string>> ToolTexts, List<HashSet<int>> Positives) BuildGroups(
        IReadOnlyList<ToolCallExample> examples, int maxSamples = 500)
    {
        var queries = new List<string>(); var texts = new List<List<string>>(); var positives = new List<HashSet<int>>();
        foreach (var ex in examples.Take(maxSamples))
        {
            if (!PyJson.TryLoads(ex.Tools, out var t) || t is not PyJsonArray tools || tools.Count == 0) continue;
            var names = ex.CallNames().ToHashSet(StringComparer.Ordinal);
            if (names.Count == 0) continue;
            var group = new List<string>(); var pos = new HashSet<int>();
            foreach (var tool in tools.Items.OfType<PyJsonObject>())
            {
                if (tool.GetString("name") is { } n && names.Contains(n)) pos.Add(group.Count);
                group.Add(PyJson.Dumps(tool));
            }
            if (pos.Count == 0) continue;
            queries.Add(ex.Query); texts.Add(group); positives.Add(pos);
        }
        return (queries, texts, positives);
    }
}
