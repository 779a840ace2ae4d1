using System.Text.Json.Serialization;

namespace Needle.Synthesis.Records;

/// <summary>
/// One generated training example, one JSONL line, shaped exactly like upstream's record (playground-reference A9):
/// <c>query</c> plus <c>tools</c> and <c>answers</c> as JSON-encoded strings, then provenance fields.
/// (The training side reads only query/tools/answers; a shared record type in Needle.Core.Data can replace this later.)
/// </summary>
public sealed record SynthesisRecord
{
    [JsonPropertyName("query")] public required string Query { get; init; }

    /// <summary>Compact JSON array of the tools shown to the generator, in the Needle flat form, non-ASCII kept.</summary>
    [JsonPropertyName("tools")] public required string Tools { get; init; }

    /// <summary>Compact JSON array of <c>{name, arguments}</c> after validation; <c>"[]"</c> for no-call examples.</summary>
    [JsonPropertyName("answers")] public required string Answers { get; init; }

    /// <summary>"offline", "synth-gemini-assistant" (Gemini / Vertex, as upstream) or "synth-openai-compatible".</summary>
    [JsonPropertyName("source")] public required string Source { get; init; }

    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("call_type")] public required string CallType { get; init; }
    [JsonPropertyName("num_tools")] public int NumTools { get; init; }
    [JsonPropertyName("synth_tools")] public bool SynthTools { get; init; }
    [JsonPropertyName("language")] public string Language { get; init; } = "English";

    /// <summary>
    /// In memory only: the catalogue tool an example with made-up names is about, so a per-tool split still groups by
    /// real tool (see <see cref="Needle.Core.Data.ToolCallExample.SplitKey"/>).
    /// </summary>
    [JsonIgnore] public string? SplitKey { get; init; }
}
