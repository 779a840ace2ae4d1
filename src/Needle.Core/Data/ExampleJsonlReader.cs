using Needle.Core.Json;

namespace Needle.Core.Data;

/// <summary>Examples read from a JSONL file, their 1-based line numbers, and the validation report.</summary>
public sealed record ExampleReadResult(IReadOnlyList<ToolCallExample> Examples, IReadOnlyList<int> LineNumbers, DataValidationReport Report);

/// <summary>
/// Reads training JSONL without ever throwing on bad content: each bad line is skipped and reported with its line
/// number and reason. Accepts the May row (tools/answers as JSON strings) and the Needle 2 row (tools/answers as
/// arrays, <c>function_calls</c> as an alias of <c>answers</c>); arrays are stored as compact JSON strings.
/// </summary>
public static class ExampleJsonlReader
{
    public static ExampleReadResult ReadFile(string path, DataValidationOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path, new System.Text.UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        return Read(reader, options);
    }

    public static ExampleReadResult ReadText(string text, DataValidationOptions? options = null) =>
        Read(new StringReader(text ?? throw new ArgumentNullException(nameof(text))), options);

    public static ExampleReadResult Read(TextReader reader, DataValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new DataValidationOptions();
        var examples = new List<ToolCallExample>();
        var lines = new List<int>();
        var invalid = new List<InvalidLine>();
        int lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var (ex, reason) = ParseLine(line);
            if (ex is null) invalid.Add(new InvalidLine(lineNo, reason!));
            else { examples.Add(ex); lines.Add(lineNo); }
        }
        var report = DataValidator.Validate(examples, lines, invalid, options);
        return new ExampleReadResult(examples, lines, report);
    }

    /// <summary>One line to an example, or null and the reason (upstream wording where upstream has one).</summary>
    public static (ToolCallExample? Example, string? Reason) ParseLine(string line)
    {
        if (!PyJson.TryLoads(line, out var v)) return (null, "invalid JSON");
        if (v is not PyJsonObject row) return (null, "not a JSON object");
        foreach (var field in new[] { "query", "tools", "answers" })
        {
            bool present = row.ContainsKey(field) || (field == "answers" && row.ContainsKey("function_calls"));
            if (!present) return (null, $"missing '{field}'");
        }
        if (row["query"] is not PyJsonString { Value: var query }) return (null, "'query' is not a string");
        if (!TryJsonArrayText(row["tools"]!, "tools", out var tools, out var why)) return (null, why);
        var answersValue = row.ContainsKey("answers") ? row["answers"]! : row["function_calls"]!;
        if (!TryJsonArrayText(answersValue, "answers", out var answers, out why)) return (null, why);
        var calls = ((PyJsonArray)PyJson.Loads(answers!)).Items;
        for (int i = 0; i < calls.Count; i++)
        {
            if (calls[i] is not PyJsonObject call) return (null, $"answers[{i}] is not an object");
            if (call.GetString("name") is not { Length: > 0 }) return (null, $"answers[{i}] has no 'name'");
            if (call.TryGet("arguments", out var args) && args is not PyJsonObject && args is not PyJsonNull)
                return (null, $"answers[{i}].arguments is not an object");
        }
        return (new ToolCallExample
        {
            Query = query,
            Tools = tools!,
            Answers = answers!,
            Source = row.GetString("source"),
            Model = row.GetString("model"),
            CallType = row.GetString("call_type"),
            NumTools = row["num_tools"] is PyJsonInt { Value: var num } && num >= long.MinValue && num <= long.MaxValue ? (long)num : null,
            SynthTools = row["synth_tools"] is PyJsonBool synth ? synth.Value : null,
            Language = row.GetString("language"),
            Reasoning = row.GetString("reasoning"),
        }, null);
    }

    // A field must be a JSON array: either a string holding one (kept verbatim) or an inline array (dumped compactly).
    private static bool TryJsonArrayText(PyJsonValue value, string field, out string? text, out string? reason)
    {
        text = null; reason = null;
        switch (value)
        {
            case PyJsonString { Value: var s }:
                if (!PyJson.TryLoads(s, out var parsed)) { reason = $"'{field}' is not valid JSON"; return false; }
                if (parsed is not PyJsonArray) { reason = $"'{field}' is not a JSON array"; return false; }
                text = s;
                return true;
            case PyJsonArray list:
                text = PyJson.Dumps(list, ",", ":", ensureAscii: false);
                return true;
            default:
                reason = $"'{field}' is not a JSON array";
                return false;
        }
    }
}
