using System.Text.Json.Nodes;

namespace Needle.Core.Tools;

/// <summary>The JSON types a tool parameter may have (JSON Schema's names; "integer" is a whole "number").</summary>
public enum ToolParameterType
{
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
}

/// <summary>
/// One parameter in the canonical form every input dialect converts to. Nested objects carry their own
/// <see cref="Properties"/>; arrays carry the schema of their <see cref="Items"/>.
/// </summary>
public sealed record ToolParameter
{
    public required string Name { get; init; }
    public required ToolParameterType Type { get; init; }
    public string Description { get; init; } = "";
    public bool Required { get; init; }

    /// <summary>Allowed values (strings, numbers or booleans), or null when any value of <see cref="Type"/> is allowed.</summary>
    public IReadOnlyList<JsonValue>? Enum { get; init; }

    /// <summary>Inclusive numeric bounds from JSON Schema's minimum/maximum, when given.</summary>
    public double? Minimum { get; init; }
    public double? Maximum { get; init; }

    /// <summary>For <see cref="ToolParameterType.Array"/>: the element schema (its Name is "items").</summary>
    public ToolParameter? Items { get; init; }

    /// <summary>For <see cref="ToolParameterType.Object"/>: the nested properties (empty = free-form object).</summary>
    public IReadOnlyList<ToolParameter> Properties { get; init; } = [];

    /// <summary>The enum values as strings (how they appear in queries and prompts).</summary>
    public IReadOnlyList<string> EnumStrings => Enum is null ? [] : Enum.Select(v => v.ToJsonString().Trim('"')).ToArray();
}

/// <summary>One tool in the canonical form: a name, what it does, and its parameters in declaration order.</summary>
public sealed record ToolDefinition
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public IReadOnlyList<ToolParameter> Parameters { get; init; } = [];

    public ToolParameter? FindParameter(string name) => Parameters.FirstOrDefault(p => p.Name == name);
}

/// <summary>The result of <see cref="ToolSchemaParser.Parse(string)"/>.</summary>
/// <param name="Tools">The tools, in the order given.</param>
/// <param name="DetectedFormat">"needle", "json-schema", "openai", "mcp", "gemini", or "mixed" when tools differ.</param>
/// <param name="Notices">Things fixed up on the way (type aliases, missing descriptions), for the user to read.</param>
public sealed record ParsedTools(IReadOnlyList<ToolDefinition> Tools, string DetectedFormat, IReadOnlyList<string> Notices);
