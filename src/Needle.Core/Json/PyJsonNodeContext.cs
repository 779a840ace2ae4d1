using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Needle.Core.Json;

/// <summary>Source-generated metadata so converting a JsonNode needs no reflection.</summary>
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class PyJsonNodeContext : JsonSerializerContext;
