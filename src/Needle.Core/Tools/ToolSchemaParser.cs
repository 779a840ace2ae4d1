using System.Text.Json;
using System.Text.Json.Nodes;

namespace Needle.Core.Tools;

/// <summary>
/// Reads a tool list written in any of the common dialects and converts it to <see cref="ToolDefinition"/>s:
/// Needle's flat form (<c>parameters: {p: {type, description, required}}</c>), JSON Schema
/// (<c>parameters: {type: object, properties, required}</c>), OpenAI (<c>{type: function, function: {...}}</c>),
/// MCP (<c>inputSchema</c>), Anthropic (<c>input_schema</c>) and Gemini (<c>functionDeclarations</c>).
/// The root may be an array of tools, one tool, or an object with a "tools" array.
/// Errors are <see cref="ToolSchemaException"/>s whose message names the tool and the field.
/// </summary>
public static class ToolSchemaParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Parses a tool list from JSON text. Throws <see cref="ToolSchemaException"/> for unusable input.</summary>
    public static ParsedTools Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (string.IsNullOrWhiteSpace(json)) throw new ToolSchemaException("The tool list is empty: paste a JSON array of tools.");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: DocumentOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1})" : "";
            throw new ToolSchemaException($"The tool list is not valid JSON{where}: {FirstSentence(e.Message)}", inner: e);
        }
        return Parse(root);
    }

    /// <summary>The Needle flat form the model reads, as compact JSON (same as <see cref="ToolSchemaWriter.ToNeedleJson(IEnumerable{ToolDefinition})"/>).</summary>
    public static string ToNeedleJson(IEnumerable<ToolDefinition> tools) => ToolSchemaWriter.ToNeedleJson(tools);

    /// <summary>Converts a tool list in any supported dialect to the Needle flat form; throws <see cref="ToolSchemaException"/>.</summary>
    public static string ToNeedleJson(string anyFormatJson) => ToolSchemaWriter.ToNeedleJson(Parse(anyFormatJson).Tools);

    /// <summary>Parses a tool list from a file; errors are <see cref="InvalidDataException"/>s naming the file (the inner exception is the <see cref="ToolSchemaException"/>).</summary>
    public static ParsedTools ParseFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Tool file not found: {path}", path);
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (ToolSchemaException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses an already-parsed JSON tree.</summary>
    public static ParsedTools Parse(JsonNode? root)
    {
        var items = RootItems(root);
        var notices = new List<string>();
        var formats = new List<string>();
        var tools = new List<ToolDefinition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var (tool, format) = ParseTool(items[i], i, notices);
            if (!seen.Add(tool.Name))
                throw new ToolSchemaException($"Tool '{tool.Name}' (#{i + 1}) is defined twice: tool names must be unique.", tool.Name, "name");
            tools.Add(tool);
            if (format is not null) formats.Add(format);
        }
        if (tools.Count == 0) notices.Add("The tool list has no tools.");
        var distinct = formats.Distinct().ToList();
        var detected = distinct.Count switch { 0 => "needle", 1 => distinct[0], _ => "mixed" };
        return new ParsedTools(tools, detected, notices);
    }

    private static List<JsonNode?> RootItems(JsonNode? root)
    {
        switch (root)
        {
            case JsonArray array:
                // Gemini puts declarations one level down: [{functionDeclarations: [...]}].
                var expanded = new List<JsonNode?>();
                foreach (var item in array)
                {
                    if (item is JsonObject o && (o["functionDeclarations"] ?? o["function_declarations"]) is JsonArray decls && o.Count == 1)
                        expanded.AddRange(decls.Select(d => Tag(d, "gemini")));
                    else expanded.Add(item);
                }
                return expanded;
            case JsonObject obj when obj["tools"] is JsonArray tools:
                return RootItems(tools);
            case JsonObject obj when (obj["functionDeclarations"] ?? obj["function_declarations"]) is JsonArray decls:
                return decls.Select(d => Tag(d, "gemini")).ToList();
            case JsonObject obj:
                return [obj];
            case null:
                throw new ToolSchemaException("The tool list is null: expected a JSON array of tools.");
            default:
                throw new ToolSchemaException($"The tool list must be a JSON array of tool objects (or one tool object), not {KindOf(root)}.");
        }
    }

    // Gemini declarations look like JSON Schema tools; remember where they came from for DetectedFormat.
    private static JsonNode? Tag(JsonNode? node, string format) => node is JsonObject o ? new JsonObject { ["__format"] = format, ["__tool"] = o.DeepClone() } : node;

    private static (ToolDefinition Tool, string? Format) ParseTool(JsonNode? node, int index, List<string> notices)
    {
        string label = $"#{index + 1}";
        if (node is not JsonObject obj)
            throw new ToolSchemaException($"Tool {label} must be a JSON object with a name, a description and parameters, not {KindOf(node)}.");

        string? forced = null;
        if (obj["__format"] is JsonValue fv && obj["__tool"] is JsonObject inner) { forced = fv.GetValue<string>(); obj = inner; }

        string? format = forced;
        JsonNode? schema;
        string schemaField;
        if (obj["type"] is JsonValue t && t.TryGetValue<string>(out var ts) && ts == "function")
        {
            format = "openai";
            if (obj["function"] is JsonObject fn) obj = fn;
            else if (obj["function"] is not null) throw new ToolSchemaException($"Tool {label}: \"function\" must be an object.", null, "function");
            schema = obj["parameters"];
            schemaField = "parameters";
        }
        else if (obj.ContainsKey("inputSchema")) { format = "mcp"; schema = obj["inputSchema"]; schemaField = "inputSchema"; }
        else if (obj.ContainsKey("input_schema")) { format = "anthropic"; schema = obj["input_schema"]; schemaField = "input_schema"; }
        else { schema = obj["parameters"]; schemaField = "parameters"; }

        var name = ReadName(obj, label);
        label = $"'{name}'";
        var description = "";
        switch (obj["description"])
        {
            case null:
                notices.Add($"Tool {label} has no description; the model relies on descriptions to pick tools, so add one.");
                break;
            case JsonValue dv when dv.TryGetValue<string>(out var ds):
                description = ds.Trim();
                if (description.Length == 0) notices.Add($"Tool {label} has an empty description; the model relies on descriptions to pick tools.");
                break;
            default:
                throw new ToolSchemaException($"Tool {label}: \"description\" must be a string.", name, "description");
        }

        IReadOnlyList<ToolParameter> parameters;
        var ctx = new Context(name, notices);
        if (schema is null)
        {
            parameters = [];
        }
        else if (schema is not JsonObject so)
        {
            throw new ToolSchemaException($"Tool {label}: \"{schemaField}\" must be an object, not {KindOf(schema)}.", name, schemaField);
        }
        else if (LooksLikeJsonSchema(so))
        {
            format ??= "json-schema";
            parameters = ParseObjectSchema(so, schemaField, ctx).Properties;
        }
        else
        {
            if (format is "openai" or "mcp" or "anthropic" or "gemini" && so.Count > 0)
                throw new ToolSchemaException($"Tool {label}: \"{schemaField}\" must be a JSON Schema object ({{\"type\": \"object\", \"properties\": {{...}}}}).", name, schemaField);
            format ??= so.Count > 0 ? "needle" : null;
            parameters = ParseNeedleParameters(so, schemaField, ctx);
        }
        return (new ToolDefinition { Name = name, Description = description, Parameters = parameters }, format);
    }

    private static string ReadName(JsonObject obj, string label)
    {
        if (obj["name"] is not JsonValue nv || !nv.TryGetValue<string>(out var name))
            throw new ToolSchemaException($"Tool {label} has no \"name\" (a string such as \"get_weather\").", null, "name");
        name = name.Trim();
        if (name.Length == 0) throw new ToolSchemaException($"Tool {label} has an empty \"name\".", null, "name");
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                throw new ToolSchemaException($"Tool '{name}': the name may contain only letters, digits, '_', '-' and '.' (found '{c}').", name, "name");
        return name;
    }

    // JSON Schema when the object says so ("type": "object"), or when it is just {properties, required, ...}.
    // A Needle parameter map never has a string-valued "type" (its values are parameter objects).
    private static bool LooksLikeJsonSchema(JsonObject o)
    {
        if (o["type"] is JsonValue tv && tv.TryGetValue<string>(out _)) return true;
        if (o["properties"] is not JsonObject props) return false;
        // A Needle tool could have a parameter literally named "properties"; its value would carry a "type".
        if (props["type"] is JsonValue) return false;
        string[] schemaKeys = ["properties", "required", "additionalProperties", "$schema", "description", "title", "$defs", "definitions"];
        return o.Select(kv => kv.Key).All(k => schemaKeys.Contains(k));
    }

    private sealed record Context(string Tool, List<string> Notices)
    {
        public ToolSchemaException Error(string field, string what) =>
            new($"Tool '{Tool}', field {field}: {what}", Tool, field);
    }

    private static List<ToolParameter> ParseNeedleParameters(JsonObject map, string path, Context ctx)
    {
        var list = new List<ToolParameter>();
        foreach (var (pname, value) in map)
        {
            var field = $"{path}.{pname}";
            CheckParameterName(pname, field, ctx);
            switch (value)
            {
                case JsonValue sv when sv.TryGetValue<string>(out var desc):
                    // Upstream's tool synthesis accepted a bare description string as a required string parameter.
                    ctx.Notices.Add($"Tool '{ctx.Tool}': parameter '{pname}' was a bare string; read it as a required string with that description.");
                    list.Add(new ToolParameter { Name = pname, Type = ToolParameterType.String, Description = desc, Required = true });
                    break;
                case JsonObject po:
                    bool required = false;
                    if (po["required"] is { } r)
                    {
                        if (r is JsonValue rv && rv.TryGetValue<bool>(out var rb)) required = rb;
                        else throw ctx.Error($"{field}.required", $"must be true or false in the Needle form, not {KindOf(r)}.");
                    }
                    list.Add(ParseProperty(pname, po, required, field, ctx, skipRequiredKey: true));
                    break;
                default:
                    throw ctx.Error(field, $"a parameter must be an object like {{\"type\": \"string\", \"description\": \"...\", \"required\": true}}, not {KindOf(value)}.");
            }
        }
        return list;
    }

    private static ToolParameter ParseObjectSchema(JsonObject o, string path, Context ctx, string name = "parameters", bool required = false)
    {
        if (o["type"] is JsonValue tv && tv.TryGetValue<string>(out var ts) && NormalizeType(ts, path, ctx) != ToolParameterType.Object)
            throw ctx.Error($"{path}.type", $"the parameters schema must have \"type\": \"object\", not \"{ts}\".");
        var requiredNames = new HashSet<string>(StringComparer.Ordinal);
        switch (o["required"])
        {
            case null: break;
            case JsonArray ra:
                foreach (var r in ra)
                {
                    if (r is not JsonValue rv || !rv.TryGetValue<string>(out var rs))
                        throw ctx.Error($"{path}.required", "must be an array of property names (strings).");
                    requiredNames.Add(rs);
                }
                break;
            case JsonValue b when b.TryGetValue<bool>(out _):
                break; // a boolean here belongs to the enclosing (Needle-form) parameter, handled by the caller
            default:
                throw ctx.Error($"{path}.required", $"must be an array of property names, not {KindOf(o["required"])}.");
        }
        var props = new List<ToolParameter>();
        switch (o["properties"])
        {
            case null: break;
            case JsonObject po:
                foreach (var (pname, value) in po)
                {
                    var field = $"{path}.properties.{pname}";
                    CheckParameterName(pname, field, ctx);
                    if (value is not JsonObject pv) throw ctx.Error(field, $"a property schema must be an object, not {KindOf(value)}.");
                    props.Add(ParseProperty(pname, pv, requiredNames.Contains(pname), field, ctx, skipRequiredKey: false));
                }
                break;
            default:
                throw ctx.Error($"{path}.properties", $"must be an object mapping names to schemas, not {KindOf(o["properties"])}.");
        }
        foreach (var r in requiredNames)
            if (props.All(p => p.Name != r))
                throw ctx.Error($"{path}.required", $"lists '{r}', which is not one of the properties ({string.Join(", ", props.Select(p => p.Name))}).");
        return new ToolParameter { Name = name, Type = ToolParameterType.Object, Required = required, Description = ReadDescription(o, path, ctx), Properties = props };
    }

    private static ToolParameter ParseProperty(string name, JsonObject o, bool required, string path, Context ctx, bool skipRequiredKey)
    {
        // Union types and anyOf/oneOf: keep the first non-null branch (the model's schema form has no unions).
        var node = o;
        foreach (var key in new[] { "anyOf", "oneOf" })
        {
            if (node["type"] is null && node[key] is JsonArray branches)
            {
                var pick = branches.OfType<JsonObject>().FirstOrDefault(b => !(b["type"] is JsonValue bt && bt.TryGetValue<string>(out var s) && s == "null"))
                           ?? throw ctx.Error($"{path}.{key}", "has no usable branch.");
                ctx.Notices.Add($"Tool '{ctx.Tool}': parameter '{name}' uses {key}; kept its first non-null alternative.");
                var merged = (JsonObject)pick.DeepClone();
                if (merged["description"] is null && node["description"] is { } d) merged["description"] = d.DeepClone();
                node = merged;
            }
        }

        var type = ReadType(name, node, path, ctx);
        var description = ReadDescription(node, path, ctx);
        IReadOnlyList<JsonValue>? enumValues = null;
        if (node["enum"] is { } en) enumValues = ReadEnum(en, type, $"{path}.enum", ctx);
        else if (node["const"] is JsonValue cv) enumValues = ReadEnum(new JsonArray(cv.DeepClone()), type, $"{path}.const", ctx);

        var minimum = ReadNumber(node, "minimum", path, ctx);
        var maximum = ReadNumber(node, "maximum", path, ctx);
        if (minimum > maximum) throw ctx.Error($"{path}.minimum", $"minimum {minimum} is greater than maximum {maximum}.");

        ToolParameter? items = null;
        IReadOnlyList<ToolParameter> properties = [];
        if (type == ToolParameterType.Array && node["items"] is { } it)
        {
            if (it is not JsonObject io) throw ctx.Error($"{path}.items", $"must be a schema object, not {KindOf(it)}.");
            items = ParseProperty("items", io, false, $"{path}.items", ctx, skipRequiredKey: false);
        }
        if (type == ToolParameterType.Object)
        {
            var copy = node;
            if (skipRequiredKey && node["required"] is JsonValue) { copy = (JsonObject)node.DeepClone(); copy.Remove("required"); }
            if (copy["properties"] is JsonObject nested && nested.Count > 0 && copy["required"] is not JsonArray && nested.All(kv => kv.Value is JsonObject c && c["required"] is JsonValue))
                properties = ParseNeedleParameters(nested, $"{path}.properties", ctx); // Needle-form nesting: required flags per child
            else
                properties = ParseObjectSchema(copy, path, ctx).Properties;
        }
        return new ToolParameter
        {
            Name = name, Type = type, Description = description, Required = required, Enum = enumValues,
            Minimum = minimum, Maximum = maximum, Items = items, Properties = properties,
        };
    }

    private static ToolParameterType ReadType(string name, JsonObject node, string path, Context ctx)
    {
        switch (node["type"])
        {
            case JsonValue v when v.TryGetValue<string>(out var s):
                return NormalizeType(s, $"{path}.type", ctx);
            case JsonArray arr:
                var names = arr.Select(x => x is JsonValue xv && xv.TryGetValue<string>(out var xs) ? xs : null).ToList();
                if (names.Any(n => n is null)) throw ctx.Error($"{path}.type", "a type list must contain only type names.");
                var nonNull = names.Where(n => n != "null").ToList();
                if (nonNull.Count == 0) throw ctx.Error($"{path}.type", "\"null\" alone is not a usable parameter type.");
                if (nonNull.Count > 1 || names.Count > 1)
                    ctx.Notices.Add($"Tool '{ctx.Tool}': parameter '{name}' allows several types ({string.Join(", ", names)}); using \"{nonNull[0]}\".");
                return NormalizeType(nonNull[0]!, $"{path}.type", ctx);
            case null:
                ToolParameterType inferred;
                if (node["enum"] is JsonArray ea && ea.Count > 0 && ea.All(e => e is JsonValue ev && ev.GetValueKind() == JsonValueKind.Number)) inferred = ToolParameterType.Number;
                else if (node["properties"] is JsonObject) inferred = ToolParameterType.Object;
                else if (node["items"] is not null) inferred = ToolParameterType.Array;
                else inferred = ToolParameterType.String;
                ctx.Notices.Add($"Tool '{ctx.Tool}': parameter '{name}' has no type; assumed \"{TypeName(inferred)}\".");
                return inferred;
            default:
                throw ctx.Error($"{path}.type", $"must be a type name such as \"string\", not {KindOf(node["type"])}.");
        }
    }

    private static ToolParameterType NormalizeType(string raw, string field, Context ctx)
    {
        var s = raw.Trim().ToLowerInvariant();
        ToolParameterType? t = s switch
        {
            "string" => ToolParameterType.String,
            "number" => ToolParameterType.Number,
            "integer" => ToolParameterType.Integer,
            "boolean" => ToolParameterType.Boolean,
            "array" => ToolParameterType.Array,
            "object" => ToolParameterType.Object,
            _ => null,
        };
        if (t is { } exact) return exact;
        t = s switch
        {
            "str" or "text" or "enum" or "date" or "datetime" or "time" => ToolParameterType.String,
            "float" or "double" or "decimal" or "num" => ToolParameterType.Number,
            "int" or "long" => ToolParameterType.Integer,
            "bool" => ToolParameterType.Boolean,
            "list" or "tuple" => ToolParameterType.Array,
            "dict" or "map" or "json" => ToolParameterType.Object,
            _ => null,
        };
        if (t is { } alias)
        {
            ctx.Notices.Add($"Tool '{ctx.Tool}': {field} \"{raw}\" read as \"{TypeName(alias)}\".");
            return alias;
        }
        throw ctx.Error(field, $"unknown type \"{raw}\"; use one of string, number, integer, boolean, array, object.");
    }

    private static IReadOnlyList<JsonValue> ReadEnum(JsonNode en, ToolParameterType type, string field, Context ctx)
    {
        if (en is not JsonArray arr || arr.Count == 0) throw ctx.Error(field, "must be a non-empty array of allowed values.");
        var values = new List<JsonValue>();
        foreach (var item in arr)
        {
            if (item is not JsonValue v) throw ctx.Error(field, $"values must be strings, numbers or booleans, not {KindOf(item)}.");
            var kind = v.GetValueKind();
            var ok = type switch
            {
                ToolParameterType.String => kind == JsonValueKind.String,
                ToolParameterType.Number => kind == JsonValueKind.Number,
                ToolParameterType.Integer => kind == JsonValueKind.Number && JsonNumber.TryGetDouble(v, out var d) && d == Math.Floor(d),
                ToolParameterType.Boolean => kind is JsonValueKind.True or JsonValueKind.False,
                ToolParameterType.Array => kind == JsonValueKind.String, // an enum on an array constrains its items
                _ => false,
            };
            if (!ok) throw ctx.Error(field, $"value {v.ToJsonString()} does not match the parameter type \"{TypeName(type)}\".");
            values.Add((JsonValue)v.DeepClone());
        }
        return values;
    }

    private static double? ReadNumber(JsonObject node, string key, string path, Context ctx) => node[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => JsonNumber.GetDouble(v),
        var other => throw ctx.Error($"{path}.{key}", $"must be a number, not {KindOf(other)}."),
    };

    private static string ReadDescription(JsonObject node, string path, Context ctx) => node["description"] switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s.Trim(),
        var other => throw ctx.Error($"{path}.description", $"must be a string, not {KindOf(other)}."),
    };

    private static void CheckParameterName(string name, string field, Context ctx)
    {
        if (string.IsNullOrWhiteSpace(name)) throw ctx.Error(field, "parameter names must not be empty.");
    }

    internal static string TypeName(ToolParameterType t) => t switch
    {
        ToolParameterType.String => "string",
        ToolParameterType.Number => "number",
        ToolParameterType.Integer => "integer",
        ToolParameterType.Boolean => "boolean",
        ToolParameterType.Array => "array",
        _ => "object",
    };

    private static string KindOf(JsonNode? n) => n switch
    {
        null => "null",
        JsonArray => "an array",
        JsonObject => "an object",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => $"the string {v.ToJsonString()}",
            JsonValueKind.Number => $"the number {v.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {v.ToJsonString()}",
            _ => "a value",
        },
        _ => "a value",
    };

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }
}
