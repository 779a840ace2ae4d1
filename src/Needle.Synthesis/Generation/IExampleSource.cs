using Needle.Synthesis.Recipe;
using Needle.Synthesis.Validation;

namespace Needle.Synthesis.Generation;

/// <summary>
/// Something that turns a planned batch into raw examples: an LLM provider or the offline templates.
/// Implementations throw <see cref="SynthesisProviderException"/> for failed batches and honour cancellation.
/// </summary>
public interface IExampleSource
{
    /// <summary>Written to each record's "source" field ("offline", "synth-gemini-assistant", ...).</summary>
    string Source { get; }

    /// <summary>Written to each record's "model" field.</summary>
    string Model { get; }

    /// <summary>How many batches may run at once (1 for the offline source, which keeps its output deterministic).</summary>
    int MaxConcurrency { get; }

    Task<IReadOnlyList<RawExample>> GenerateAsync(BatchPlan plan, CancellationToken cancellationToken);
}

/// <summary>
/// A provider failure. <see cref="IsFatal"/> marks errors that every further batch would repeat (bad key, unknown
/// model, bad request), so the run stops instead of burning its attempts. Messages never contain keys.
/// </summary>
public sealed class SynthesisProviderException(string message, bool isFatal = false, Exception? inner = null) : Exception(message, inner)
{
    public bool IsFatal { get; } = isFatal;
}
