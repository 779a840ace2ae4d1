using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Needle.Core.Tools;

/// <summary>
/// Writes <see cref="ToolDefinition"/>s back out: in the Needle flat form the model reads
/// (<c>{"name","description","parameters":{p:{"type","description","required"}}}</c>), or as canonical JSON Schema tools.
/// </summary>
public static class ToolSchemaWriter
{
    /// <summary>Compact, with non-ASCII kept (as upstream writes the <c>tools</c> field of a training record).</summary>
    public static readonly JsonSerializerOptions CompactOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    /// <summary>The Needle flat form as compact JSON: what goes in a training record's "tools" and in the model's input.</summary>
    public static string ToNeedleJson(IEnumerable<ToolDefinition> tools) => ToNeedleNode(tools).ToJsonString(CompactOptions);

    /// <summary>Converts JSON in any dialect <see cref="ToolSchemaParser"/> reads to the Needle flat form.</summary>
    public static string ToNeedleJson(string anyFormatJson) => ToNeedleJson(ToolSchemaParser.Parse(anyFormatJson).Tools);

    /// <summary>
    /// The Needle flat form as a tree. Types are string/number/boolean as the model was trained on ("integer" is written
    /// as "number"); enums, array items and nested object properties are kept as extra keys.
    /// </summary>
    public static JsonArray ToNeedleNode(IEnumerable<ToolDefinition> tools)
    {
        var array = new JsonArray();
        foreach (var tool in tools)
        {
            var ps = new JsonObject();
            foreach (var p in tool.Parameters) ps[p.Name] = NeedleParameter(p);
            array.Add(new JsonObject { ["name"] = tool.Name, ["description"] = tool.Description, ["parameters"] = ps });
        }
        return array;
    }

    private static JsonObject NeedleParameter(ToolParameter p, bool withRequired = true)
    {
        var o = new JsonObject
        {
            ["type"] = p.Type == ToolParameterType.Integer ? "number" : ToolSchemaParser.TypeName(p.Type),
            ["description"] = p.Description,
        };
        if (withRequired) o["required"] = p.Required;
        if (p.Enum is { } values) o["enum"] = new JsonArray(values.Select(v => v.DeepClone()).ToArray());
        if (p.Minimum is { } min) o["minimum"] = min;
        if (p.Maximum is { } max) o["maximum"] = max;
        if (p.Items is { } items) o["items"] = NeedleParameter(items, withRequired: false);
        if (p.Type == ToolParameterType.Object && p.Properties.Count > 0)
        {
            // Nested objects stay in the Needle form: each child carries its own boolean "required".
            var children = new JsonObject();
            foreach (var child in p.Properties) children[child.Name] = NeedleParameter(child);
            o["properties"] = children;
        }
        return o;
    }

    /// <summary>The canonical JSON Schema form: <c>[{"name","description","parameters":{"type":"object","properties",...,"required":[...]}}]</c>.</summary>
    public static string ToJsonSchemaJson(IEnumerable<ToolDefinition> tools, bool indented = false) =>
        new JsonArray(tools.Select(t => (JsonNode)ToJsonSchemaNode(t)).ToArray())
            .ToJsonString(new JsonSerializerOptions(CompactOptions) { WriteIndented = indented });

    public static JsonObject ToJsonSchemaNode(ToolDefinition tool) => new()
    {
        ["name"] = tool.Name,
        ["description"] = tool.Description,
        ["parameters"] = ObjectSchema(tool.Parameters, null),
    };

    /// <summary>The JSON Schema of one parameter (without its name).</summary>
    public static JsonObject ParameterSchema(ToolParameter p)
    {
        if (p.Type == ToolParameterType.Object) return ObjectSchema(p.Properties, p.Description);
        var o = new JsonObject { ["type"] = ToolSchemaParser.TypeName(p.Type) };
        if (p.Description.Length > 0) o["description"] = p.Description;
        if (p.Enum is { } values) o["enum"] = new JsonArray(values.Select(v => v.DeepClone()).ToArray());
        if (p.Minimum is { } min) o["minimum"] = min;
        if (p.Maximum is { } max) o["maximum"] = max;
        if (p.Items is { } items) o["items"] = ParameterSchema(items);
        return o;
    }

    private static JsonObject ObjectSchema(IReadOnlyList<ToolParameter> properties, string? description)
    {
        var o = new JsonObject { ["type"] = "object" };
        if (!string.IsNullOrEmpty(description)) o["description"] = description;
        var props = new JsonObject();
        foreach (var p in properties) props[p.Name] = ParameterSchema(p);
        o["properties"] = props;
        o["required"] = new JsonArray(properties.Where(p => p.Required).Select(p => (JsonNode)JsonValue.Create(p.Name)!).ToArray());
        return o;
    }
}
