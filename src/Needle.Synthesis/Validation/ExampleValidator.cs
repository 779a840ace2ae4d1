using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Needle.Core.Tools;
using Needle.Synthesis.Recipe;

namespace Needle.Synthesis.Validation;

/// <summary>The verdict on one raw example: the normalized calls when accepted, else a countable reason.</summary>
public sealed record ExampleVerdict(string Query, JsonArray? Answers, CallRejection? Rejection)
{
    public bool Accepted => Rejection is null;
}

/// <summary>
/// Upstream's post-processing (A7) plus what it missed: every call is checked against the schema (known tool, required
/// arguments, no unknown arguments, types coerced, enums and bounds respected), string and number values must be
/// grounded in the query (relaxed for typo/speech batches, skipped for indirect ones, as upstream), positive batches
/// may not return empty answers, negative batches may not return calls, and a "none" query that names a tool is dropped.
/// </summary>
public static partial class ExampleValidator
{
    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public static ExampleVerdict Validate(RawExample raw, BatchPlan plan)
    {
        var query = raw.Query?.Trim() ?? "";
        if (query.Length == 0) return Reject(query, "empty query", "the query is empty");
        if (raw.Answers is not JsonArray answers) return Reject(query, "malformed answers", "answers is missing or not a list");

        if (plan.CallType.IsNegative())
        {
            if (answers.Count > 0) return Reject(query, "calls in a no-call batch", $"a {plan.CallType.Label()} example must have answers []");
            if (plan.CallType == CallType.None && NamesATool(query, plan.UserTools) is { } keyword)
                return Reject(query, "negative mentions a tool", $"the no-call query mentions \"{keyword}\"");
            return new ExampleVerdict(query, [], null);
        }
        if (answers.Count == 0) return Reject(query, "empty answers in a call batch", $"a {plan.CallType.Label()} example must make at least one call");

        var check = ToolCallValidator.ValidateAnswers(answers, plan.UserTools);
        if (!check.IsValid) return new ExampleVerdict(query, null, check.Rejection);

        if (plan.CallType != CallType.Indirect)
        {
            var fuzzy = plan.CallType is CallType.Garbled or CallType.Disfluent;
            var byName = plan.UserTools.ToDictionary(t => t.Name);
            foreach (var call in check.Calls!.OfType<JsonObject>())
            {
                var tool = byName[(string)call["name"]!];
                if (Grounding.FindUngrounded(query, call, tool, fuzzy) is { } miss)
                    return Reject(query, "ungrounded value", $"{miss} does not appear in the query");
            }
        }
        return new ExampleVerdict(query, check.Calls, null);
    }

    /// <summary>The dedup key: lowercased, whitespace collapsed, outer punctuation stripped (upstream's).</summary>
    public static string DedupKey(string query) => Whitespace().Replace(query.ToLowerInvariant(), " ").Trim().Trim('.', ',', '!', '?', ';', ':', '\'', '"').Trim();

    // Upstream's negative filter: a "none" query mentioning a tool name (or a long description word) is probably answerable.
    private static string? NamesATool(string query, IReadOnlyList<ToolDefinition> tools)
    {
        var q = query.ToLowerInvariant();
        foreach (var t in tools)
        {
            var phrase = t.Name.Replace('_', ' ').Replace('-', ' ').ToLowerInvariant();
            if (phrase.Length > 5 && q.Contains(phrase, StringComparison.Ordinal)) return phrase;
        }
        return null;
    }

    private static ExampleVerdict Reject(string query, string category, string detail) => new(query, null, new CallRejection(category, detail));
}
