using System.Globalization;
using System.Numerics;
using System.Text;
using Needle.Core.Json;

namespace Needle.Core.Data;

/// <summary>
/// Python's json.loads / json.dumps, reproduced exactly enough for byte-identical training text (needle-model.md §3.1).
/// Value model: <see cref="PythonDict"/> (object), <c>List&lt;object?&gt;</c> (array), string, long or BigInteger (int),
/// double (float: any number with a fraction or exponent, and NaN/Infinity), bool, null.
/// </summary>
/// <remarks>
/// Differences from System.Text.Json that matter here: ints and floats stay distinct (1 vs 1.0), repeated keys keep
/// the first position and the last value, NaN/Infinity are accepted, floats print as Python's repr.
/// Parsing, float repr and string escaping are <see cref="PyJson"/>'s (one implementation); this class only maps
/// its typed values to and from the untyped object model, and adds sort_keys / indent / ensure_ascii=False output.
/// </remarks>
public static class PythonJson
{
    /// <summary>Parses like json.loads (via <see cref="PyJson.Loads"/>); throws FormatException (<see cref="PyJsonDecodeException"/>) on invalid JSON.</summary>
    public static object? Parse(string text) => ToObject(PyJson.Loads(text));

    /// <summary>The typed value as this API's object model (ints that fit stay <c>long</c>).</summary>
    public static object? ToObject(PyJsonValue value) => value switch
    {
        PyJsonNull => null,
        PyJsonBool b => b.Value,
        PyJsonInt i => i.Value >= long.MinValue && i.Value <= long.MaxValue ? (object)(long)i.Value : i.Value,
        PyJsonFloat f => f.Value,
        PyJsonString str => str.Value,
        PyJsonArray a => a.Items.Select(ToObject).ToList(),
        PyJsonObject o => ToDict(o),
        _ => throw new ArgumentException($"Unknown JSON value type {value.GetType().Name}.", nameof(value)),
    };

    private static PythonDict ToDict(PyJsonObject o)
    {
        var d = new PythonDict();
        foreach (var (k, v) in o.Entries) d[k] = ToObject(v);
        return d;
    }

    /// <summary>json.loads that returns false instead of throwing (the upstream <c>try/except ValueError</c>).</summary>
    public static bool TryParse(string? text, out object? value)
    {
        value = null;
        if (text is null) return false;
        try { value = Parse(text); return true; }
        catch (FormatException) { return false; }
    }

    /// <summary>
    /// json.dumps: <paramref name="compact"/> selects separators (",", ":") over the default (", ", ": ");
    /// <paramref name="ensureAscii"/> escapes everything outside 0x20–0x7E as \uXXXX (lowercase hex).
    /// </summary>
    public static string Dumps(object? value, bool compact = true, bool ensureAscii = true, bool sortKeys = false)
    {
        var sb = new StringBuilder();
        Write(sb, value, compact, ensureAscii, sortKeys);
        return sb.ToString();
    }

    /// <summary><c>json.dumps(value, indent=n)</c>: items on their own lines, separators (",", ": "), empty containers inline.</summary>
    public static string DumpsIndented(object? value, int indent = 2, bool ensureAscii = true)
    {
        var sb = new StringBuilder();
        WriteIndented(sb, value, indent, 0, ensureAscii);
        return sb.ToString();
    }

    private static void WriteIndented(StringBuilder sb, object? v, int indent, int level, bool ascii)
    {
        if (v is PythonDict d && d.Count > 0)
        {
            sb.Append('{');
            bool first = true;
            foreach (var (k, val) in d.Items)
            {
                sb.Append(first ? "" : ",").Append('\n').Append(' ', indent * (level + 1));
                first = false;
                WriteString(sb, k, ascii);
                sb.Append(": ");
                WriteIndented(sb, val, indent, level + 1, ascii);
            }
            sb.Append('\n').Append(' ', indent * level).Append('}');
        }
        else if (v is System.Collections.IList list && list.Count > 0)
        {
            sb.Append('[');
            for (int i = 0; i < list.Count; i++)
            {
                sb.Append(i == 0 ? "" : ",").Append('\n').Append(' ', indent * (level + 1));
                WriteIndented(sb, list[i], indent, level + 1, ascii);
            }
            sb.Append('\n').Append(' ', indent * level).Append(']');
        }
        else Write(sb, v, compact: false, ascii, sortKeys: false);
    }

    /// <summary>The upstream <c>_compact_json</c>: re-dump compactly, or return the input untouched if it is not JSON.</summary>
    public static string Compact(string text) => TryParse(text, out var v) ? Dumps(v) : text;

    /// <summary>json's float text: Python's <c>repr(float)</c>, with NaN/Infinity/-Infinity spelled as json.dumps does.</summary>
    public static string FloatRepr(double d) => PyJsonWriter.FloatText(d);

    private static void Write(StringBuilder sb, object? v, bool compact, bool ascii, bool sortKeys)
    {
        switch (v)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case string s: WriteString(sb, s, ascii); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case int i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case BigInteger bi: sb.Append(bi.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FloatRepr(d)); break;
            case float f: sb.Append(FloatRepr(f)); break;
            case PythonDict dict:
                {
                    sb.Append('{');
                    IEnumerable<string> keys = sortKeys ? dict.Keys.OrderBy(k => k, StringComparer.Ordinal) : dict.Keys;
                    bool first = true;
                    foreach (var k in keys)
                    {
                        if (!first) sb.Append(compact ? "," : ", ");
                        first = false;
                        WriteString(sb, k, ascii);
                        sb.Append(compact ? ":" : ": ");
                        Write(sb, dict[k], compact, ascii, sortKeys);
                    }
                    sb.Append('}');
                    break;
                }
            case System.Collections.IList list:
                {
                    sb.Append('[');
                    for (int i = 0; i < list.Count; i++)
                    {
                        if (i > 0) sb.Append(compact ? "," : ", ");
                        Write(sb, list[i], compact, ascii, sortKeys);
                    }
                    sb.Append(']');
                    break;
                }
            default: throw new ArgumentException($"Not a PythonJson value: {v.GetType().Name}.", nameof(v));
        }
    }

    private static void WriteString(StringBuilder sb, string s, bool ascii) => PyJsonWriter.WriteString(sb, s, ascii);
}
