namespace Needle.Core.Tools;

/// <summary>
/// A tool list that cannot be used. The message is written for the user of the tools editor: it names the tool
/// (by name, or by position when it has none) and the field, and says what was expected.
/// </summary>
public sealed class ToolSchemaException : FormatException
{
    public ToolSchemaException(string message, string? toolName = null, string? field = null, Exception? inner = null)
        : base(message, inner)
    {
        ToolName = toolName;
        Field = field;
    }

    /// <summary>The tool the error is about, or null when it concerns the whole list.</summary>
    public string? ToolName { get; }

    /// <summary>The field path inside the tool (e.g. "parameters.unit.enum"), or null.</summary>
    public string? Field { get; }
}
