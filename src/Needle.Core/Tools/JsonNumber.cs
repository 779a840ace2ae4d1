using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Needle.Core.Tools;

/// <summary>Reads any JSON number node as a double, whether it was parsed or built from an int/long/double.</summary>
public static class JsonNumber
{
    public static bool TryGetDouble(JsonNode? node, out double value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
               && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static double GetDouble(JsonNode node) =>
        TryGetDouble(node, out var d) ? d : throw new ArgumentException($"Not a JSON number: {node.ToJsonString()}", nameof(node));
}
