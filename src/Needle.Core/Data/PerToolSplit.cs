namespace Needle.Core.Data;

/// <summary>Indices into the input list for each split, in upstream's order (bucket by bucket).</summary>
public sealed record SplitIndices(IReadOnlyList<int> Train, IReadOnlyList<int> Val, IReadOnlyList<int> Test, bool UsedFallback)
{
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> items, IReadOnlyList<int> which) => which.Select(i => items[i]).ToList();
}

/// <summary>
/// Upstream finetune's <c>_per_tool_split</c> plus its empty-train fallback (needle-model.md §5.2 step 3,
/// playground-reference.md B8), reproducing Python's <c>random.Random(42)</c> draws so the splits are identical.
/// </summary>
public static class PerToolSplit
{
    public const string NoToolBucket = "__no_tool__";

    /// <summary>Splits examples; throws InvalidDataException when the data cannot give a non-empty train split.</summary>
    public static SplitIndices Split(IReadOnlyList<ToolCallExample> examples, int valPerTool = 10, int testPerTool = 10, long seed = 42)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var rng = new PythonRandom(seed);
        var buckets = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (int i = 0; i < examples.Count; i++)
        {
            var names = examples[i].CallNames();
            string primary = examples[i].SplitKey ?? (names.Count > 0 ? names[0] : NoToolBucket);
            if (!buckets.TryGetValue(primary, out var list)) { buckets[primary] = list = []; order.Add(primary); }
            list.Add(i);
        }

        var train = new List<int>(); var val = new List<int>(); var test = new List<int>();
        foreach (var tool in order)
        {
            var idx = buckets[tool];
            rng.Shuffle(idx);
            var (nTest, nVal) = Sizes(idx.Count, valPerTool, testPerTool);
            test.AddRange(idx.Take(nTest));
            val.AddRange(idx.Skip(nTest).Take(nVal));
            train.AddRange(idx.Skip(nTest + nVal));
        }
        if (train.Count > 0) return new SplitIndices(train, val, test, false);

        // Fallback: pool val + test, shuffle with a fresh Random(seed), 20% test, 20% val, rest train.
        var pool = val.Concat(test).ToList();
        new PythonRandom(seed).Shuffle(pool);
        int n = pool.Count;
        int t = Math.Max(1, n / 5), v = Math.Max(1, n / 5);
        if (n - t - v <= 0)
            throw new InvalidDataException($"Not enough data ({n} examples) for train/val/test splits; add more examples.");
        return new SplitIndices(pool.Skip(t + v).ToList(), pool.Skip(t).Take(v).ToList(), pool.Take(t).ToList(), true);
    }

    /// <summary>(test, val) sizes for a bucket of n examples; train gets the rest.</summary>
    public static (int Test, int Val) Sizes(int n, int valPerTool = 10, int testPerTool = 10)
    {
        if (n >= valPerTool + testPerTool) return (testPerTool, valPerTool);
        if (n == 1) return (1, 0);
        if (n == 2) return (1, 1);
        int test = Math.Max(1, n / 3);
        return (test, Math.Max(1, (n - test) / 3));
    }
}
