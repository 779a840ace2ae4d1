using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Needle.Core.Tools;

/// <summary>Why a call (or a list of calls) does not fit its tools. <see cref="Category"/> is short and countable.</summary>
public sealed record CallRejection(string Category, string Detail)
{
    public override string ToString() => $"{Category}: {Detail}";
}

/// <summary>The outcome of validating calls: the normalized calls (types coerced, enum casing fixed) or why not.</summary>
public sealed record CallValidation(JsonArray? Calls, CallRejection? Rejection)
{
    public bool IsValid => Rejection is null;
}

/// <summary>
/// Checks tool calls <c>[{"name", "arguments"}]</c> against the tools' schemas: the tool exists, arguments is an object
/// with no unknown keys, required arguments are present, values have the declared types (strings holding numbers
/// or booleans are coerced, as upstream does), enums and numeric bounds are respected, nested objects and arrays recurse.
/// Optional arguments given as null are dropped; a required one given as null or "" is rejected.
/// </summary>
public static partial class ToolCallValidator
{
    // Upstream rejects required values that are obviously template filler.
    private static readonly string[] Placeholders = ["null", "none", "undefined", "n/a", "todo", "example", "placeholder", "..."];

    [System.Text.RegularExpressions.GeneratedRegex("'([^']{1,40})'")]
    private static partial System.Text.RegularExpressions.Regex QuotedOption();

    /// <summary>
    /// Options listed in a description as two or more single-quoted words ("'celsius' or 'fahrenheit'"): upstream meant
    /// these as an enum for tools in the flat form, which cannot declare one. Null when there are fewer than two.
    /// </summary>
    public static IReadOnlyList<string>? DescriptionOptions(string description)
    {
        var options = QuotedOption().Matches(description).Select(m => m.Groups[1].Value).Distinct().ToList();
        return options.Count >= 2 ? options : null;
    }

    public static CallValidation ValidateAnswers(JsonNode? answers, IReadOnlyList<ToolDefinition> tools)
    {
        if (answers is not JsonArray array)
            return Fail("malformed answers", $"answers must be a JSON array of calls, got {answers?.GetValueKind().ToString() ?? "null"}");
        var byName = tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var result = new JsonArray();
        foreach (var call in array)
        {
            var check = ValidateCall(call, byName);
            if (!check.IsValid) return check;
            result.Add(check.Calls![0]!.DeepClone());
        }
        return new CallValidation(result, null);
    }

    /// <summary>Validates one call; on success <see cref="CallValidation.Calls"/> holds the single normalized call.</summary>
    public static CallValidation ValidateCall(JsonNode? call, IReadOnlyDictionary<string, ToolDefinition> tools)
    {
        if (call is not JsonObject obj) return Fail("malformed call", "a call must be an object {\"name\", \"arguments\"}");
        if (obj["name"] is not JsonValue nv || !nv.TryGetValue<string>(out var name)) return Fail("malformed call", "a call has no string \"name\"");
        if (!tools.TryGetValue(name, out var tool)) return Fail("unknown tool", $"'{name}' is not one of the tools");
        var args = obj["arguments"] ?? new JsonObject();
        if (args is JsonValue sv && sv.TryGetValue<string>(out var argText))
        {
            // Some models return arguments as a JSON-encoded string.
            try { args = JsonNode.Parse(argText) ?? new JsonObject(); }
            catch (JsonException) { return Fail("malformed call", $"arguments of '{name}' is a string that is not JSON"); }
        }
        if (args is not JsonObject argObj) return Fail("malformed call", $"arguments of '{name}' must be an object");
        var error = CheckObject(argObj, tool.Parameters, name, isTool: true, out var normalized);
        if (error is not null) return new CallValidation(null, error);
        return new CallValidation(new JsonArray(new JsonObject { ["name"] = name, ["arguments"] = normalized }), null);
    }

    private static CallRejection? CheckObject(JsonObject args, IReadOnlyList<ToolParameter> parameters, string where, bool isTool, out JsonObject normalized)
    {
        normalized = new JsonObject();
        foreach (var (key, _) in args)
            if (parameters.Count > 0 && parameters.All(p => p.Name != key))
                return new CallRejection("unknown argument", $"'{key}' is not a parameter of {where}");
        if (isTool && parameters.Count == 0 && args.Count > 0)
            return new CallRejection("unknown argument", $"{where} takes no arguments, got '{args.First().Key}'");
        foreach (var p in parameters)
        {
            var value = args[p.Name];
            if (value is null)
            {
                if (p.Required) return new CallRejection("missing required argument", $"'{p.Name}' is required by {where}");
                continue;
            }
            var error = CheckValue(value, p, $"{where}.{p.Name}", out var coerced);
            if (error is not null) return error;
            normalized[p.Name] = coerced;
        }
        // Free-form objects (no declared properties) keep what they were given.
        if (!isTool && parameters.Count == 0) foreach (var (k, v) in args) normalized[k] = v?.DeepClone();
        return null;
    }

    private static CallRejection? CheckValue(JsonNode value, ToolParameter p, string where, out JsonNode? coerced)
    {
        coerced = null;
        var kind = value.GetValueKind();
        switch (p.Type)
        {
            case ToolParameterType.String:
                string s;
                if (kind == JsonValueKind.String) s = value.GetValue<string>();
                else if (kind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False) s = value.ToJsonString();
                else return WrongType(where, "a string", value);
                if (p.Required && s.Trim().Length == 0) return new CallRejection("empty value", $"{where} is required but empty");
                if (p.Required && Placeholders.Contains(s.Trim().ToLowerInvariant())) return new CallRejection("placeholder value", $"{where} is \"{s}\"");
                if (p.Enum is not null)
                {
                    var match = p.EnumStrings.FirstOrDefault(e => string.Equals(e, s.Trim(), StringComparison.OrdinalIgnoreCase));
                    if (match is null) return new CallRejection("not in enum", $"{where} is \"{s}\", allowed: {string.Join(", ", p.EnumStrings)}");
                    s = match;
                }
                else if (DescriptionOptions(p.Description) is { } options && s.Length < 30)
                {
                    // Upstream's rule: values of 30+ characters are free text even when options are listed.
                    var match = options.FirstOrDefault(e => string.Equals(e, s.Trim(), StringComparison.OrdinalIgnoreCase));
                    if (match is null) return new CallRejection("not in enum", $"{where} is \"{s}\", the description allows: {string.Join(", ", options)}");
                    s = match;
                }
                coerced = JsonValue.Create(s);
                return null;
            case ToolParameterType.Number or ToolParameterType.Integer:
                double d;
                if (kind == JsonValueKind.Number) d = JsonNumber.GetDouble(value);
                else if (kind == JsonValueKind.String && double.TryParse(value.GetValue<string>().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) d = parsed;
                else return WrongType(where, "a number", value);
                if (double.IsNaN(d) || double.IsInfinity(d)) return WrongType(where, "a finite number", value);
                if (p.Type == ToolParameterType.Integer && d != Math.Floor(d)) return WrongType(where, "a whole number", value);
                if (p.Minimum is { } min && d < min) return new CallRejection("out of range", $"{where} = {d} is below the minimum {min}");
                if (p.Maximum is { } max && d > max) return new CallRejection("out of range", $"{where} = {d} is above the maximum {max}");
                if (p.Enum is not null && !p.Enum.Any(e => JsonNumber.TryGetDouble(e, out var ev) && ev == d))
                    return new CallRejection("not in enum", $"{where} is {d}, allowed: {string.Join(", ", p.EnumStrings)}");
                coerced = d == Math.Floor(d) && Math.Abs(d) < 1e15 ? JsonValue.Create((long)d) : JsonValue.Create(d);
                return null;
            case ToolParameterType.Boolean:
                if (kind is JsonValueKind.True or JsonValueKind.False) { coerced = JsonValue.Create(kind == JsonValueKind.True); return null; }
                if (kind == JsonValueKind.String && bool.TryParse(value.GetValue<string>().Trim(), out var b)) { coerced = JsonValue.Create(b); return null; }
                return WrongType(where, "true or false", value);
            case ToolParameterType.Array:
                // A lone value where a list is expected is read as a one-element list.
                var items = value as JsonArray ?? new JsonArray(value.DeepClone());
                var outArray = new JsonArray();
                var itemSchema = p.Items;
                foreach (var item in items)
                {
                    if (item is null) return WrongType(where, "a list without nulls", value);
                    if (itemSchema is null) { outArray.Add(item.DeepClone()); continue; }
                    var schema = p.Enum is not null && itemSchema.Enum is null ? itemSchema with { Enum = p.Enum } : itemSchema;
                    var error = CheckValue(item, schema with { Required = false }, $"{where}[]", out var c);
                    if (error is not null) return error;
                    outArray.Add(c);
                }
                if (p.Required && outArray.Count == 0) return new CallRejection("empty value", $"{where} is required but empty");
                coerced = outArray;
                return null;
            default:
                if (value is not JsonObject o) return WrongType(where, "an object", value);
                var nestedError = CheckObject(o, p.Properties, where, isTool: false, out var nested);
                coerced = nested;
                return nestedError;
        }
    }

    private static CallRejection WrongType(string where, string expected, JsonNode value) =>
        new("wrong type", $"{where} should be {expected}, got {Truncate(value.ToJsonString())}");

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static CallValidation Fail(string category, string detail) => new(null, new CallRejection(category, detail));
}
