using System.Text.Json;
using System.Text.Json.Serialization;

namespace Needle.Playground;

/// <summary>The JSON shape of the HTTP API and the hub: camelCase, enums as lowercase strings.</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Web = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        return options;
    }
}
