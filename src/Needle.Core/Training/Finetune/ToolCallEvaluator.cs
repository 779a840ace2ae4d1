using Needle.Core.Data;
using Needle.Core.Inference;

namespace Needle.Core.Training.Finetune;

/// <summary>
/// Generation-driven evaluation: predicts with a <see cref="Generator"/> in batches, then scores with
/// <see cref="QuickToolEval"/> (§6.1), <see cref="EvalPool"/> (§6.2) or <see cref="ToolCallBenchmark"/> (§6.3).
/// </summary>
public static class ToolCallEvaluator
{
    /// <summary>
    /// The generator's output for each example (query + its tools), in batches of <paramref name="batchSize"/>.
    /// <paramref name="progress"/> gets (done, total) after each batch.
    /// </summary>
    public static IReadOnlyList<string> Predict(Generator generator, IReadOnlyList<ToolCallExample> examples, GenerationOptions options,
        int batchSize = 32, CancellationToken cancellationToken = default, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(examples);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        var predictions = new List<string>(examples.Count);
        for (int i = 0; i < examples.Count; i += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = examples.Skip(i).Take(batchSize).ToList();
            var results = generator.GenerateBatchDetailed(chunk.Select(e => e.Query).ToList(), chunk.Select(e => e.Tools).ToList(), options, cancellationToken);
            predictions.AddRange(results.Select(r => r.Text));
            progress?.Invoke(predictions.Count, examples.Count);
        }
        return predictions;
    }

    /// <summary>
    /// Upstream's <c>_quick_tool_eval</c> (BASE_EVAL / FINETUNED_EVAL): test examples with calls, constrained greedy
    /// decoding with tool-name normalization, batches of 32. Null when no example has calls (upstream's {}).
    /// </summary>
    public static ToolEvalMetrics? QuickEval(Generator generator, IReadOnlyList<ToolCallExample> test, int maxGenLen = 512,
        int maxEncLen = 1024, int batchSize = 32, CancellationToken cancellationToken = default, Action<int, int>? progress = null)
    {
        var samples = QuickToolEval.SelectSamples(test);
        if (samples.Count == 0) return null;
        var options = new GenerationOptions { Constrained = true, Normalize = true, MaxGenLen = maxGenLen, MaxEncLen = maxEncLen };
        var predictions = Predict(generator, samples, options, batchSize, cancellationToken, progress);
        return QuickToolEval.Score(samples, predictions);
    }

    /// <summary>The epoch-end <c>_eval_pool</c> on one pool: unconstrained greedy decoding (§5.3 step 3).</summary>
    public static PoolMetrics? PoolEval(Generator generator, IReadOnlyList<ToolCallExample> pool, int maxGenLen = 512,
        int maxEncLen = 1024, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        if (pool.Count == 0) return null;
        var options = new GenerationOptions { Constrained = false, Normalize = true, MaxGenLen = maxGenLen, MaxEncLen = maxEncLen };
        return EvalPool.Score(pool, Predict(generator, pool, options, batchSize, cancellationToken));
    }

    /// <summary>`needle eval`'s tool-call benchmark over the given examples (§6.3).</summary>
    public static BenchmarkMetrics Benchmark(Generator generator, IReadOnlyList<ToolCallExample> examples, bool constrained = true,
        int maxGenLen = 512, int maxEncLen = 1024, int batchSize = 32, CancellationToken cancellationToken = default,
        Action<int, int>? progress = null)
    {
        var options = new GenerationOptions { Constrained = constrained, Normalize = true, MaxGenLen = maxGenLen, MaxEncLen = maxEncLen };
        return ToolCallBenchmark.Score(examples, Predict(generator, examples, options, batchSize, cancellationToken, progress));
    }
}
