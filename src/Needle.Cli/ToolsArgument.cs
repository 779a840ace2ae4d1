namespace Needle.Cli;

/// <summary>A `--tools` value: "@path" or a path reads the file; text starting with '[' or '{' is the JSON itself.</summary>
public static class ToolsArgument
{
    /// <summary>The tools JSON and where it came from (a file path, or "--tools" for inline JSON).</summary>
    public static (string Json, string Origin) Read(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var trimmed = value.TrimStart();
        if (trimmed.StartsWith('[') || trimmed.StartsWith('{')) return (value, "--tools");
        var path = value.StartsWith('@') ? value[1..] : value;
        if (!File.Exists(path))
            throw new FileNotFoundException($"Tool file not found: {Path.GetFullPath(path)} (pass a file, @file, or the JSON itself).", path);
        return (File.ReadAllText(path), Path.GetFullPath(path));
    }
}
