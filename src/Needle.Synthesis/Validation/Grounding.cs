using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Needle.Core.Tools;

namespace Needle.Synthesis.Validation;

/// <summary>
/// Checks that argument values come from the user's own words (upstream's critical grounding rule, A7): content words
/// of a string value (3+ letters, minus stop words) must appear in the query (all of them for values of up to 3 words,
/// 75% for longer ones), digit groups must appear as digit groups, and numbers must appear as digits or number words.
/// Enum values, booleans and id-like parameters are exempt (they are chosen, not quoted). With <c>fuzzy</c>, a word
/// within a small edit distance of a query word counts, for typo and speech-error batches.
/// </summary>
public static partial class Grounding
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "with", "that", "this", "from", "into", "onto", "about", "your", "you", "our", "their", "his", "her",
        "its", "are", "was", "were", "will", "would", "can", "could", "should", "have", "has", "had", "not", "but", "all", "any",
        "some", "just", "then", "than", "them", "they", "there", "here", "what", "when", "where", "which", "who", "how", "why",
        "please", "also", "too", "very", "out", "off", "over", "under", "again", "more", "most", "each", "every", "one", "per",
        "via", "set", "get", "make", "new", "let", "lets", "let's", "i'm", "it's", "don't", "can't", "won't", "a.m", "p.m",
    };

    // Values of these parameters are identifiers or code, not quotes from the query (as upstream exempts them).
    private static readonly string[] ExemptNames = ["password", "js", "code", "script", "source", "confirmation_code"];

    private static readonly Dictionary<string, double> NumberWords = new(StringComparer.Ordinal)
    {
        ["zero"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7, ["eight"] = 8,
        ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15,
        ["sixteen"] = 16, ["seventeen"] = 17, ["eighteen"] = 18, ["nineteen"] = 19, ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40,
        ["fifty"] = 50, ["sixty"] = 60, ["seventy"] = 70, ["eighty"] = 80, ["ninety"] = 90, ["hundred"] = 100, ["thousand"] = 1000,
        ["dozen"] = 12, ["couple"] = 2, ["pair"] = 2, ["once"] = 1, ["twice"] = 2, ["single"] = 1, ["double"] = 2, ["half"] = 0.5,
        ["quarter"] = 0.25, ["noon"] = 12, ["midnight"] = 0, ["a"] = 1, ["an"] = 1,
    };

    [GeneratedRegex(@"[\p{L}\p{N}']+")]
    private static partial Regex WordRegex();

    [GeneratedRegex(@"\d+")]
    private static partial Regex DigitsRegex();

    [GeneratedRegex(@"\d+(?:[.,]\d+)*")]
    private static partial Regex NumberRegex();

    /// <summary>Returns null when every checked value of the call is grounded, else a description of the first one that is not.</summary>
    public static string? FindUngrounded(string query, JsonObject call, ToolDefinition tool, bool fuzzy)
    {
        var q = new QueryIndex(query);
        if (call["arguments"] is not JsonObject args) return null;
        foreach (var p in tool.Parameters)
        {
            if (args[p.Name] is not { } value) continue;
            var miss = Check(q, value, p, fuzzy);
            if (miss is not null) return $"{tool.Name}.{p.Name} = {miss}";
        }
        return null;
    }

    private static string? Check(QueryIndex q, JsonNode value, ToolParameter p, bool fuzzy)
    {
        if (p.Enum is not null || IsExempt(p.Name)) return null;
        switch (value)
        {
            case JsonArray arr:
                foreach (var item in arr)
                    if (item is not null && Check(q, item, p.Items ?? p with { Type = ToolParameterType.String }, fuzzy) is { } m) return m;
                return null;
            case JsonObject obj:
                foreach (var child in p.Properties)
                    if (obj[child.Name] is { } cv && Check(q, cv, child, fuzzy) is { } m) return m;
                return null;
        }
        return value.GetValueKind() switch
        {
            JsonValueKind.String => IsStringGrounded(q, value.GetValue<string>(), fuzzy) ? null : $"\"{value.GetValue<string>()}\"",
            JsonValueKind.Number => IsNumberGrounded(q, JsonNumber.GetDouble(value)) ? null : value.ToJsonString(),
            _ => null,
        };
    }

    private static bool IsExempt(string name)
    {
        var n = name.ToLowerInvariant();
        return n == "id" || n.EndsWith("_id", StringComparison.Ordinal) || n.EndsWith("id", StringComparison.Ordinal) && n.Length > 2 && char.IsUpper(name[^2])
               || ExemptNames.Contains(n);
    }

    public static bool IsStringGrounded(string query, string value, bool fuzzy) => IsStringGrounded(new QueryIndex(query), value, fuzzy);

    private static bool IsStringGrounded(QueryIndex q, string value, bool fuzzy)
    {
        var lower = value.ToLowerInvariant().Trim();
        if (lower.Length == 0) return true;
        if (q.Raw.Contains(lower, StringComparison.Ordinal)) return true;
        // Every digit group in the value (times, dates, house numbers, phone numbers) must be in the query.
        foreach (Match m in DigitsRegex().Matches(lower))
            if (!q.DigitGroups.Contains(m.Value.TrimStart('0').PadLeft(1, '0'))) return false;
        var words = WordRegex().Matches(lower).Select(m => m.Value.Trim('\''))
            .Where(w => w.Length >= 3 && !w.All(char.IsDigit) && !StopWords.Contains(w)).ToList();
        if (words.Count == 0) return true;
        var grounded = words.Count(w => q.HasWord(w, fuzzy));
        return words.Count <= 3 ? grounded == words.Count : grounded >= 0.75 * words.Count;
    }

    public static bool IsNumberGrounded(string query, double value) => IsNumberGrounded(new QueryIndex(query), value);

    private static bool IsNumberGrounded(QueryIndex q, double value)
    {
        foreach (var n in q.Numbers)
            if (Math.Abs(n - value) < 1e-9 || Math.Abs(n * 100 - value) < 1e-9 && n < 1) return true; // "half" may be 50%
        return false;
    }

    private sealed class QueryIndex
    {
        public QueryIndex(string query)
        {
            Raw = query.ToLowerInvariant();
            Words = WordRegex().Matches(Raw).Select(m => m.Value.Trim('\'')).Where(w => w.Length > 0).ToList();
            DigitGroups = DigitsRegex().Matches(Raw).Select(m => m.Value.TrimStart('0').PadLeft(1, '0')).ToHashSet();
            var numbers = new List<double>();
            foreach (Match m in NumberRegex().Matches(Raw))
            {
                var text = m.Value;
                // "1,000" is a thousands separator; "3,5" a decimal comma; "12.50" a decimal point.
                var thousands = text.Replace(",", "");
                if (double.TryParse(thousands, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)) numbers.Add(a);
                if (double.TryParse(text.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var b)) numbers.Add(b);
                foreach (Match d in DigitsRegex().Matches(text)) numbers.Add(double.Parse(d.Value, CultureInfo.InvariantCulture));
            }
            foreach (var w in Words)
                if (NumberWords.TryGetValue(w, out var v)) numbers.Add(v);
            Numbers = numbers;
        }

        public string Raw { get; }
        public List<string> Words { get; }
        public HashSet<string> DigitGroups { get; }
        public List<double> Numbers { get; }

        public bool HasWord(string w, bool fuzzy)
        {
            foreach (var qw in Words)
            {
                if (qw == w) return true;
                if (qw.Length >= 3 && (qw.Contains(w, StringComparison.Ordinal) || w.Contains(qw, StringComparison.Ordinal))) return true;
                if (fuzzy && w.Length >= 4 && EditDistance(qw, w, w.Length >= 8 ? 2 : 1)) return true;
            }
            return Raw.Contains(w, StringComparison.Ordinal);
        }
    }

    // True when the Levenshtein distance between a and b is at most max (banded, early exit).
    private static bool EditDistance(string a, string b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max) return false;
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            var rowMin = cur[0];
            for (var j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                rowMin = Math.Min(rowMin, cur[j]);
            }
            if (rowMin > max) return false;
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length] <= max;
    }
}
