using System.Text.Json;
using System.Text.Json.Nodes;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Validation;

namespace Needle.Synthesis.Providers.Llm;

/// <summary>
/// Turns a model's text into raw examples: strips code fences, accepts a bare array or an object wrapping one
/// ("examples", "data", ...), and falls back to the span from the first '[' to the last ']' (as Needle 2 does).
/// Text that holds no JSON array is a failed batch (<see cref="SynthesisProviderException"/>), not silently nothing.
/// Accepts "function_calls" as an alias of "answers" (Needle 2).
/// </summary>
public static class ResponseParser
{
    public static IReadOnlyList<RawExample> Parse(string text)
    {
        var array = FindArray(text) ?? throw new SynthesisProviderException(
            $"The model's reply is not a JSON array of examples (starts with: {Snippet(text)}).");
        var list = new List<RawExample>();
        foreach (var item in array)
        {
            if (item is not JsonObject o) { list.Add(new RawExample(null, null)); continue; }
            var query = o["query"] is JsonValue q && q.TryGetValue<string>(out var qs) ? qs : null;
            var answers = o["answers"] ?? o["function_calls"] ?? o["calls"];
            if (answers is JsonValue av && av.TryGetValue<string>(out var encoded))
            {
                // Some models return answers as a JSON string, as the training records store them.
                try { answers = JsonNode.Parse(encoded); } catch (JsonException) { answers = null; }
            }
            list.Add(new RawExample(query, answers?.DeepClone()));
        }
        return list;
    }

    private static JsonArray? FindArray(string text)
    {
        var t = text.Trim();
        if (t.StartsWith("```", StringComparison.Ordinal))
        {
            var nl = t.IndexOf('\n');
            t = nl >= 0 ? t[(nl + 1)..] : "";
            if (t.TrimEnd().EndsWith("```", StringComparison.Ordinal)) t = t.TrimEnd()[..^3];
            t = t.Trim();
        }
        if (TryParse(t) is { } node)
        {
            if (node is JsonArray a) return a;
            if (node is JsonObject o)
                foreach (var key in new[] { "examples", "data", "items", "results" })
                    if (o[key] is JsonArray inner) return inner;
        }
        var start = t.IndexOf('[');
        var end = t.LastIndexOf(']');
        return start >= 0 && end > start ? TryParse(t[start..(end + 1)]) as JsonArray : null;
    }

    private static JsonNode? TryParse(string s)
    {
        try { return JsonNode.Parse(s, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException) { return null; }
    }

    private static string Snippet(string s)
    {
        var one = s.Replace('\n', ' ').Trim();
        return one.Length <= 60 ? $"\"{one}\"" : $"\"{one[..60]}…\"";
    }
}
