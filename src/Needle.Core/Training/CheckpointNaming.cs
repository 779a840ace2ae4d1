namespace Needle.Core.Training;

/// <summary>
/// Upstream's finetune checkpoint names (needle-model.md §5.2 step 8, §5.3): epoch files
/// <c>needle_finetuned_{run}_{encLayers}_{dModel}_{step}.pkl</c> and one <c>…_best.pkl</c>.
/// </summary>
public static class CheckpointNaming
{
    /// <summary>Upstream's run id: <c>{yyyyMMddHHmmss}_{pid}</c>.</summary>
    public static string RunId(DateTimeOffset time, int processId) => $"{time.UtcDateTime:yyyyMMddHHmmss}_{processId}";

    public static string Experiment(string runId) => $"needle_finetuned_{runId}";

    public static string EpochCheckpoint(string runId, int encoderLayers, int dModel, int step) =>
        $"{Experiment(runId)}_{encoderLayers}_{dModel}_{step}.pkl";

    public static string BestCheckpoint(string runId, int encoderLayers, int dModel) =>
        $"{Experiment(runId)}_{encoderLayers}_{dModel}_best.pkl";

    /// <summary>
    /// <c>_ensure_best_checkpoint</c> over file names: the (ordinally) last existing best, else the last epoch file
    /// promoted to <c>{name without _step}_best.pkl</c>. Epoch files sort as strings, so <c>_100</c> &lt; <c>_99</c>
    /// (upstream's quirk, §10 #12), which is why callers should track the newest epoch file themselves when they can.
    /// </summary>
    public static (string? Best, string? PromoteFrom) ResolveBest(IEnumerable<string> fileNames, string runId)
    {
        string prefix = Experiment(runId) + "_";
        var mine = fileNames.Select(Path.GetFileName).Where(f => f!.StartsWith(prefix, StringComparison.Ordinal) && f.EndsWith(".pkl", StringComparison.Ordinal)).ToList();
        var best = mine.Where(f => f!.EndsWith("_best.pkl", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).LastOrDefault();
        if (best is not null) return (best, null);
        var last = mine.Where(f => !f!.EndsWith("_best.pkl", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).LastOrDefault();
        if (last is null) return (null, null);
        return (last[..last.LastIndexOf('_')] + "_best.pkl", last);
    }
}
