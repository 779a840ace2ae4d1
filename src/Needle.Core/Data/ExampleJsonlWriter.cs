using System.Text;
using Needle.Core.Json;

namespace Needle.Core.Data;

/// <summary>Writes examples as JSONL (one <c>json.dumps(row)</c> per line, A9 field order, optional fields only when set).</summary>
public static class ExampleJsonlWriter
{
    /// <summary>One line, without the newline.</summary>
    public static string ToLine(ToolCallExample ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var d = new PyJsonObject { ["query"] = new PyJsonString(ex.Query), ["tools"] = new PyJsonString(ex.Tools), ["answers"] = new PyJsonString(ex.Answers) };
        if (ex.Source is not null) d["source"] = new PyJsonString(ex.Source);
        if (ex.Model is not null) d["model"] = new PyJsonString(ex.Model);
        if (ex.CallType is not null) d["call_type"] = new PyJsonString(ex.CallType);
        if (ex.NumTools is not null) d["num_tools"] = PyJson.Int(ex.NumTools.Value);
        if (ex.SynthTools is not null) d["synth_tools"] = PyJsonBool.Of(ex.SynthTools.Value);
        if (ex.Language is not null) d["language"] = new PyJsonString(ex.Language);
        if (ex.Reasoning is not null) d["reasoning"] = new PyJsonString(ex.Reasoning);
        return PyJson.DumpsSpaced(d);
    }

    public static string ToText(IEnumerable<ToolCallExample> examples)
    {
        var sb = new StringBuilder();
        foreach (var ex in examples) sb.Append(ToLine(ex)).Append('\n');
        return sb.ToString();
    }

    /// <summary>Writes the file atomically (temp file + rename).</summary>
    public static void Write(string path, IEnumerable<ToolCallExample> examples) => AtomicFile.WriteAllText(path, ToText(examples));
}
