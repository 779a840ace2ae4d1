using System.Globalization;
using System.Text;

namespace Needle.Core.Json;

/// <summary><c>json.dumps</c> (allow_nan=True): separators, ensure_ascii, sort_keys, and the indent form.</summary>
internal static class PyJsonWriter
{
    private const string Hex = "0123456789abcdef";

    public static void Write(StringBuilder sb, PyJsonValue value, string itemSeparator, string keySeparator, bool ensureAscii = true, bool sortKeys = false)
    {
        switch (value)
        {
            case PyJsonArray a:
                sb.Append('[');
                for (int k = 0; k < a.Items.Count; k++)
                {
                    if (k > 0) sb.Append(itemSeparator);
                    Write(sb, a.Items[k], itemSeparator, keySeparator, ensureAscii, sortKeys);
                }
                sb.Append(']');
                break;
            case PyJsonObject o:
                sb.Append('{');
                bool first = true;
                foreach (var (key, item) in Entries(o, sortKeys))
                {
                    if (!first) sb.Append(itemSeparator);
                    first = false;
                    WriteString(sb, key, ensureAscii);
                    sb.Append(keySeparator);
                    Write(sb, item, itemSeparator, keySeparator, ensureAscii, sortKeys);
                }
                sb.Append('}');
                break;
            default: WriteScalar(sb, value, ensureAscii); break;
        }
    }

    /// <summary><c>json.dumps(v, indent=n)</c>: items on their own lines, separators (",", ": "), empty containers inline.</summary>
    public static void WriteIndented(StringBuilder sb, PyJsonValue value, int indent, int level, bool ensureAscii)
    {
        switch (value)
        {
            case PyJsonObject o when o.Count > 0:
                sb.Append('{');
                for (int k = 0; k < o.Entries.Count; k++)
                {
                    sb.Append(k == 0 ? "" : ",").Append('\n').Append(' ', indent * (level + 1));
                    WriteString(sb, o.Entries[k].Key, ensureAscii);
                    sb.Append(": ");
                    WriteIndented(sb, o.Entries[k].Value, indent, level + 1, ensureAscii);
                }
                sb.Append('\n').Append(' ', indent * level).Append('}');
                break;
            case PyJsonArray a when a.Count > 0:
                sb.Append('[');
                for (int k = 0; k < a.Items.Count; k++)
                {
                    sb.Append(k == 0 ? "" : ",").Append('\n').Append(' ', indent * (level + 1));
                    WriteIndented(sb, a.Items[k], indent, level + 1, ensureAscii);
                }
                sb.Append('\n').Append(' ', indent * level).Append(']');
                break;
            default: Write(sb, value, ", ", ": ", ensureAscii); break;
        }
    }

    // sort_keys orders by the key strings (ordinal, i.e. UTF-16 code units).
    private static IEnumerable<KeyValuePair<string, PyJsonValue>> Entries(PyJsonObject o, bool sortKeys) =>
        sortKeys ? o.Entries.OrderBy(e => e.Key, StringComparer.Ordinal) : o.Entries;

    private static void WriteScalar(StringBuilder sb, PyJsonValue value, bool ensureAscii)
    {
        switch (value)
        {
            case PyJsonNull: sb.Append("null"); break;
            case PyJsonBool b: sb.Append(b.Value ? "true" : "false"); break;
            case PyJsonInt i: sb.Append(i.Value.ToString(CultureInfo.InvariantCulture)); break;
            case PyJsonFloat f: sb.Append(FloatText(f.Value)); break;
            case PyJsonString s: WriteString(sb, s.Value, ensureAscii); break;
            default: throw new ArgumentException($"Unknown JSON value type {value.GetType().Name}.", nameof(value));
        }
    }

    /// <summary>json's floatstr: repr, except the non-finite values are spelled as JavaScript does.</summary>
    public static string FloatText(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "Infinity" : double.IsNegativeInfinity(v) ? "-Infinity" : PyFloat.Repr(v);

    /// <summary>
    /// py_encode_basestring_ascii: quotes, the short escapes, and \uXXXX (lowercase) for everything outside 0x20..0x7E;
    /// with <paramref name="ensureAscii"/> false (py_encode_basestring) only control characters below 0x20 are \u-escaped.
    /// </summary>
    public static void WriteString(StringBuilder sb, string s, bool ensureAscii = true)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c >= 0x20 && (c <= 0x7E || !ensureAscii)) sb.Append(c);
                    else
                        // UTF-16 units are exactly the surrogate pairs Python writes for astral characters.
                        sb.Append("\\u").Append(Hex[(c >> 12) & 0xF]).Append(Hex[(c >> 8) & 0xF]).Append(Hex[(c >> 4) & 0xF]).Append(Hex[c & 0xF]);
                    break;
            }
        }
        sb.Append('"');
    }
}
