using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Needle.Core.Json;

/// <summary>Python's json module, exactly: <c>json.loads</c> and <c>json.dumps</c> (ensure_ascii, key order kept).</summary>
public static class PyJson
{
    /// <summary><c>json.loads(text)</c>; throws <see cref="PyJsonDecodeException"/> where Python raises JSONDecodeError.</summary>
    public static PyJsonValue Loads(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return PyJsonParser.Parse(text);
    }

    /// <summary>json.loads that reports failure instead of throwing.</summary>
    public static bool TryLoads(string? text, out PyJsonValue value)
    {
        value = PyJsonNull.Instance;
        if (text is null) return false;
        try { value = PyJsonParser.Parse(text); return true; }
        catch (PyJsonDecodeException) { return false; }
    }

    /// <summary><c>json.dumps(v, separators=(",", ":"))</c>, the form Needle trains and decodes on.</summary>
    public static string Dumps(PyJsonValue value) => Dumps(value, ",", ":");

    /// <summary><c>json.dumps(v)</c> with the default separators <c>", "</c> and <c>": "</c> (eval lines, loss-class values).</summary>
    public static string DumpsSpaced(PyJsonValue value) => Dumps(value, ", ", ": ");

    public static string Dumps(PyJsonValue value, string itemSeparator, string keySeparator)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder();
        PyJsonWriter.Write(sb, value, itemSeparator, keySeparator);
        return sb.ToString();
    }

    /// <summary>
    /// <c>json.dumps(v, separators=(item, key), ensure_ascii=ensureAscii, sort_keys=sortKeys)</c>; with ensure_ascii
    /// False only control characters are \u-escaped.
    /// </summary>
    public static string Dumps(PyJsonValue value, string itemSeparator, string keySeparator, bool ensureAscii, bool sortKeys = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder();
        PyJsonWriter.Write(sb, value, itemSeparator, keySeparator, ensureAscii, sortKeys);
        return sb.ToString();
    }

    /// <summary><c>json.dumps(v, sort_keys=True)</c> (default separators): the canonical form the metrics compare values by.</summary>
    public static string DumpsSorted(PyJsonValue value) => Dumps(value, ", ", ": ", ensureAscii: true, sortKeys: true);

    /// <summary><c>json.dumps(v, indent=indent)</c>: items on their own lines, separators (",", ": "), empty containers inline.</summary>
    public static string DumpsIndented(PyJsonValue value, int indent = 2, bool ensureAscii = true)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder();
        PyJsonWriter.WriteIndented(sb, value, indent, 0, ensureAscii);
        return sb.ToString();
    }

    /// <summary>json's float text: Python's <c>repr(float)</c>, with NaN/Infinity/-Infinity spelled as json.dumps does.</summary>
    public static string FloatRepr(double value) => PyJsonWriter.FloatText(value);

    /// <summary>A Python float value (<see cref="PyJsonFloat"/>).</summary>
    public static PyJsonValue Float(double v) => new PyJsonFloat(v);

    /// <summary>A Python str value, or None for null.</summary>
    public static PyJsonValue Str(string? v) => v is null ? PyJsonNull.Instance : new PyJsonString(v);

    /// <summary><c>json.dumps(json.loads(text), separators=(",", ":"))</c>, or the text unchanged when it is not JSON.</summary>
    public static string CompactOrSame(string text) => TryLoads(text, out var v) ? Dumps(v) : text;

    /// <summary>Converts a System.Text.Json element; numbers with '.', 'e' or 'E' in their text are floats, as in Python.</summary>
    public static PyJsonValue FromElement(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => PyJsonNull.Instance,
        JsonValueKind.True => PyJsonBool.True,
        JsonValueKind.False => PyJsonBool.False,
        JsonValueKind.String => new PyJsonString(e.GetString()!),
        JsonValueKind.Number => Loads(e.GetRawText()),
        JsonValueKind.Array => new PyJsonArray(e.EnumerateArray().Select(FromElement)),
        JsonValueKind.Object => FromProperties(e.EnumerateObject().Select(p => (p.Name, FromElement(p.Value)))),
        _ => throw new ArgumentException($"Unsupported JSON kind {e.ValueKind}.", nameof(e)),
    };

    /// <summary>Converts a System.Text.Json node the same way (null nodes are JSON null).</summary>
    public static PyJsonValue FromNode(JsonNode? node) => node switch
    {
        null => PyJsonNull.Instance,
        JsonArray a => new PyJsonArray(a.Select(FromNode)),
        JsonObject o => FromProperties(o.Select(p => (p.Key, FromNode(p.Value)))),
        _ => FromElement(JsonSerializer.SerializeToElement(node, PyJsonNodeContext.Default.JsonNode)),
    };

    public static PyJsonValue Int(long v) => new PyJsonInt(new BigInteger(v));

    private static PyJsonObject FromProperties(IEnumerable<(string Key, PyJsonValue Value)> props)
    {
        var o = new PyJsonObject();
        foreach (var (k, v) in props) o.Set(k, v);
        return o;
    }
}
