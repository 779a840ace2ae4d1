using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>A model output read as tool calls, the way upstream's metrics read it.</summary>
public sealed record ParsedPrediction(bool Parsed, bool Empty, IReadOnlyList<PyJsonValue> Calls);

/// <summary>
/// What counts as a parse failure upstream: the stripped text must be JSON. A list is the calls, a dict becomes one
/// call, any other JSON value (a number, a string) "parses" but yields no calls. <c>""</c> and <c>"[]"</c> are the
/// empty prediction, which the epoch-end eval and the benchmark do not count as a failure (§6.1–6.3).
/// </summary>
public static class PredictionParser
{
    public static ParsedPrediction Parse(string prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        string p = prediction.Trim();
        bool empty = p is "" or "[]";
        if (!PyJson.TryLoads(p, out var v)) return new ParsedPrediction(false, empty, []);
        return new ParsedPrediction(true, empty, ToolCallScoring.AsCalls(v));
    }

    /// <summary>
    /// The calls as (name, arguments) pairs, skipping entries that are not objects with a string name
    /// (for display: the web app's result view).
    /// </summary>
    public static IReadOnlyList<(string Name, PyJsonObject Arguments)> Calls(string prediction) =>
        Parse(prediction).Calls.OfType<PyJsonObject>()
            .Where(c => c.GetString("name") is not null)
            .Select(c => (c.GetString("name")!, c["arguments"] as PyJsonObject ?? new PyJsonObject()))
            .ToList();
}
