using System.Globalization;
using System.Text;

namespace Needle.Synthesis.Generation;

/// <summary>Per-tool counts in the final data: examples that call the tool, and calls in total.</summary>
public sealed record ToolCount(string Tool, int Examples, int Calls);

/// <summary>What a run produced and what it threw away, for the CLI, the web app's job page and the training helper.</summary>
public sealed record GenerationReport
{
    public required string Source { get; init; }
    public required string Model { get; init; }
    public required int Requested { get; init; }
    public required int Produced { get; init; }
    public required int Generated { get; init; }
    public required int Accepted { get; init; }
    public required int Duplicates { get; init; }
    public required int Rejected { get; init; }
    public required IReadOnlyDictionary<string, int> RejectionReasons { get; init; }
    public required int BatchesSubmitted { get; init; }
    public required int FailedBatches { get; init; }
    public required IReadOnlyList<string> BatchErrors { get; init; }
    public required IReadOnlyDictionary<string, int> CallTypes { get; init; }
    public required IReadOnlyList<ToolCount> PerTool { get; init; }
    public required int NoCallExamples { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }

    public string ToText()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"Source {Source} ({Model}): {Produced} of {Requested} examples requested.");
        sb.AppendLine(inv, $"Generated {Generated}, accepted {Accepted}, rejected {Rejected} (of which {Duplicates} duplicates); batches {BatchesSubmitted}, failed {FailedBatches}.");
        if (RejectionReasons.Count > 0)
            sb.AppendLine("Rejections: " + string.Join(", ", RejectionReasons.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}")));
        sb.AppendLine("Call types: " + string.Join(", ", CallTypes.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}")));
        sb.AppendLine(inv, $"No-call examples: {NoCallExamples} ({(Produced == 0 ? 0 : 100.0 * NoCallExamples / Produced):0.#}%)");
        sb.AppendLine("Per tool (examples / calls):");
        foreach (var t in PerTool) sb.AppendLine(inv, $"  {t.Tool}: {t.Examples} / {t.Calls}");
        foreach (var e in BatchErrors.Take(5)) sb.AppendLine($"Batch error: {e}");
        foreach (var w in Warnings) sb.AppendLine($"Warning: {w}");
        return sb.ToString();
    }
}

/// <summary>The records of a run and its report.</summary>
public sealed record GenerationResult(IReadOnlyList<Records.SynthesisRecord> Records, GenerationReport Report);
