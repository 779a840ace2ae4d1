using Needle.Core.Json;

namespace Needle.Core.Data;

/// <summary>
/// One training row (playground-reference.md A9). <see cref="Tools"/> and <see cref="Answers"/> are JSON arrays held
/// as <b>strings</b>, as upstream stores them; everything else is optional provenance.
/// </summary>
public sealed record ToolCallExample
{
    /// <summary>The user query, used raw (never normalized) at training time.</summary>
    public required string Query { get; init; }

    /// <summary>JSON array of tool definitions, as a string.</summary>
    public required string Tools { get; init; }

    /// <summary>JSON array of <c>{name, arguments}</c> calls, as a string; <c>"[]"</c> for a no-call example.</summary>
    public required string Answers { get; init; }

    public string? Source { get; init; }
    public string? Model { get; init; }
    public string? CallType { get; init; }
    public long? NumTools { get; init; }
    public bool? SynthTools { get; init; }
    public string? Language { get; init; }

    /// <summary>Bucket for the per-tool split when it is not the first call's name (examples with made-up names); in memory only.</summary>
    public string? SplitKey { get; init; }

    /// <summary>Needle 2's one-line derivation of the arguments (kept, not trained on).</summary>
    public string? Reasoning { get; init; }

    /// <summary>The parsed answer calls (dicts), or an empty list when the answers are not a JSON array.</summary>
    public IReadOnlyList<PyJsonValue> ParseCalls() =>
        PyJson.TryLoads(Answers, out var v) && v is PyJsonArray list ? list.Items : [];

    /// <summary>Names of the calls, in order (only dict calls with a string name).</summary>
    public IReadOnlyList<string> CallNames() =>
        ParseCalls().OfType<PyJsonObject>().Select(c => c.GetString("name")).OfType<string>().ToList();
}
