using Needle.Core.Data;

namespace Needle.Core.Training;

/// <summary>A model output read as tool calls, the way upstream's metrics read it.</summary>
public sealed record ParsedPrediction(bool Parsed, bool Empty, IReadOnlyList<object?> Calls);

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
        if (!PythonJson.TryParse(p, out var v)) return new ParsedPrediction(false, empty, []);
        return new ParsedPrediction(true, empty, ToolCallScoring.AsCalls(v));
    }

    /// <summary>
    /// The calls as (name, arguments) pairs, skipping entries that are not objects with a string name
    /// (for display: the web app's result view).
    /// </summary>
    public static IReadOnlyList<(string Name, PythonDict Arguments)> Calls(string prediction) =>
        Parse(prediction).Calls.OfType<PythonDict>()
            .Where(c => c.GetValueOrDefault("name") is string)
            .Select(c => ((string)c["name"]!, c.GetValueOrDefault("arguments") as PythonDict ?? new PythonDict()))
            .ToList();
}
