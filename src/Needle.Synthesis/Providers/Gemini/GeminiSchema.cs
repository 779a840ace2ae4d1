using System.Text.Json;
using System.Text.Json.Nodes;

namespace Needle.Synthesis.Providers.Gemini;

/// <summary>
/// Translates standard JSON Schema to Gemini's Schema object (an OpenAPI subset with upper-case types): keeps type,
/// description, enum (strings only), items, properties, required, anyOf, minimum and maximum, drops everything else.
/// </summary>
public static class GeminiSchema
{
    public static JsonObject Convert(JsonObject schema)
    {
        var o = new JsonObject();
        if (schema["anyOf"] is JsonArray any)
        {
            o["anyOf"] = new JsonArray(any.OfType<JsonObject>().Select(b => (JsonNode)Convert(b)).ToArray());
            return o;
        }
        var type = schema["type"] is JsonValue tv && tv.TryGetValue<string>(out var ts) ? ts : "string";
        o["type"] = type.ToUpperInvariant();
        if (schema["description"] is JsonValue d) o["description"] = d.DeepClone();
        if (schema["enum"] is JsonArray en && en.All(e => e is JsonValue v && v.GetValueKind() == JsonValueKind.String))
            o["enum"] = en.DeepClone();
        if (schema["minimum"] is JsonValue min) o["minimum"] = min.DeepClone();
        if (schema["maximum"] is JsonValue max) o["maximum"] = max.DeepClone();
        if (schema["items"] is JsonObject items) o["items"] = Convert(items);
        if (schema["properties"] is JsonObject props && props.Count > 0)
        {
            var p = new JsonObject();
            foreach (var (k, v) in props) if (v is JsonObject vo) p[k] = Convert(vo);
            o["properties"] = p;
            o["propertyOrdering"] = new JsonArray(props.Select(kv => (JsonNode)JsonValue.Create(kv.Key)!).ToArray());
            if (schema["required"] is JsonArray req && req.Count > 0) o["required"] = req.DeepClone();
        }
        return o;
    }
}
