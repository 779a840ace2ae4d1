using System.Globalization;
using System.Numerics;
using System.Text;

namespace Needle.Core.Data;

/// <summary>
/// Python's json.loads / json.dumps, reproduced exactly enough for byte-identical training text (needle-model.md §3.1).
/// Value model: <see cref="PythonDict"/> (object), <c>List&lt;object?&gt;</c> (array), string, long or BigInteger (int),
/// double (float: any number with a fraction or exponent, and NaN/Infinity), bool, null.
/// </summary>
/// <remarks>
/// Differences from System.Text.Json that matter here: ints and floats stay distinct (1 vs 1.0), repeated keys keep
/// the first position and the last value, NaN/Infinity are accepted, floats print as Python's repr.
/// TODO(unify): Needle.Core.Json.PyJson (the generation helper's, typed value model) does the same; merge the two.
/// </remarks>
public static class PythonJson
{
    /// <summary>Parses like json.loads; throws FormatException on invalid JSON.</summary>
    public static object? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = new Parser(text);
        p.SkipWs();
        var v = p.ReadValue(0);
        p.SkipWs();
        if (p.Pos != text.Length) throw new FormatException($"Extra data at char {p.Pos}.");
        return v;
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

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, exponent form below 1e-4 or from 1e16.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // "E16" is not shortest; "R" is (since .NET Core 3.0). Pull digits and exponent out of it.
        string r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        string mant = r; int exp10 = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0) { mant = r[..e]; exp10 = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture); }
        int dot = mant.IndexOf('.');
        string digits = dot >= 0 ? mant.Remove(dot, 1) : mant;
        int intLen = dot >= 0 ? dot : mant.Length;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        int decExp = intLen - lead - 1 + exp10;   // exponent of the first significant digit
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        var sb = new StringBuilder();
        if (d < 0) sb.Append('-');
        if (decExp < -4 || decExp >= 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(decExp < 0 ? '-' : '+').Append(Math.Abs(decExp).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (decExp < 0)
        {
            sb.Append("0.").Append('0', -decExp - 1).Append(digits);
        }
        else if (digits.Length <= decExp + 1)
        {
            sb.Append(digits).Append('0', decExp + 1 - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, decExp + 1).Append('.').Append(digits, decExp + 1, digits.Length - decExp - 1);
        }
        return sb.ToString();
    }

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

    private static void WriteString(StringBuilder sb, string s, bool ascii)
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
                    if (c < 0x20 || (ascii && c > 0x7E))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    private sealed class Parser(string s)
    {
        public int Pos;
        private const int MaxDepth = 512;

        public void SkipWs()
        {
            while (Pos < s.Length && (s[Pos] == ' ' || s[Pos] == '\t' || s[Pos] == '\n' || s[Pos] == '\r')) Pos++;
        }

        private FormatException Error(string what) => new($"{what} at char {Pos}.");

        public object? ReadValue(int depth)
        {
            if (depth > MaxDepth) throw Error("Nesting too deep");
            if (Pos >= s.Length) throw Error("Expecting value");
            char c = s[Pos];
            switch (c)
            {
                case '{': return ReadObject(depth);
                case '[': return ReadArray(depth);
                case '"': return ReadString();
                case 'n' when Match("null"): return null;
                case 't' when Match("true"): return true;
                case 'f' when Match("false"): return false;
                case 'N' when Match("NaN"): return double.NaN;
                case 'I' when Match("Infinity"): return double.PositiveInfinity;
                case '-' when Match("-Infinity"): return double.NegativeInfinity;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                    throw Error("Expecting value");
            }
        }

        private bool Match(string word)
        {
            if (string.CompareOrdinal(s, Pos, word, 0, word.Length) != 0) return false;
            Pos += word.Length;
            return true;
        }

        private object ReadNumber()
        {
            int start = Pos;
            if (s[Pos] == '-') Pos++;
            if (Pos >= s.Length || !char.IsAsciiDigit(s[Pos])) throw Error("Expecting value");
            if (s[Pos] == '0') Pos++;
            else while (Pos < s.Length && char.IsAsciiDigit(s[Pos])) Pos++;
            bool isFloat = false;
            if (Pos + 1 < s.Length && s[Pos] == '.' && char.IsAsciiDigit(s[Pos + 1]))
            {
                isFloat = true; Pos++;
                while (Pos < s.Length && char.IsAsciiDigit(s[Pos])) Pos++;
            }
            if (Pos < s.Length && (s[Pos] == 'e' || s[Pos] == 'E'))
            {
                int save = Pos; Pos++;
                if (Pos < s.Length && (s[Pos] == '+' || s[Pos] == '-')) Pos++;
                if (Pos < s.Length && char.IsAsciiDigit(s[Pos]))
                {
                    isFloat = true;
                    while (Pos < s.Length && char.IsAsciiDigit(s[Pos])) Pos++;
                }
                else Pos = save;   // like Python's regex: the exponent is simply not part of the number
            }
            var text = s.AsSpan(start, Pos - start);
            if (isFloat) return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
            return BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        private string ReadString()
        {
            Pos++; // opening quote
            var sb = new StringBuilder();
            while (true)
            {
                if (Pos >= s.Length) throw Error("Unterminated string");
                char c = s[Pos++];
                if (c == '"') return sb.ToString();
                if (c < 0x20) throw Error("Invalid control character");
                if (c != '\\') { sb.Append(c); continue; }
                if (Pos >= s.Length) throw Error("Unterminated string");
                char esc = s[Pos++];
                switch (esc)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (Pos + 4 > s.Length || !int.TryParse(s.AsSpan(Pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code)
                            || s.AsSpan(Pos, 4).ContainsAny('+', '-'))
                            throw Error("Invalid \\uXXXX escape");
                        sb.Append((char)code); Pos += 4;
                        break;
                    default: throw Error("Invalid \\escape");
                }
            }
        }

        private List<object?> ReadArray(int depth)
        {
            Pos++;
            var list = new List<object?>();
            SkipWs();
            if (Pos < s.Length && s[Pos] == ']') { Pos++; return list; }
            while (true)
            {
                SkipWs();
                list.Add(ReadValue(depth + 1));
                SkipWs();
                if (Pos >= s.Length) throw Error("Expecting ',' delimiter");
                char c = s[Pos++];
                if (c == ']') return list;
                if (c != ',') throw Error("Expecting ',' delimiter");
            }
        }

        private PythonDict ReadObject(int depth)
        {
            Pos++;
            var d = new PythonDict();
            SkipWs();
            if (Pos < s.Length && s[Pos] == '}') { Pos++; return d; }
            while (true)
            {
                SkipWs();
                if (Pos >= s.Length || s[Pos] != '"') throw Error("Expecting property name enclosed in double quotes");
                string key = ReadString();
                SkipWs();
                if (Pos >= s.Length || s[Pos] != ':') throw Error("Expecting ':' delimiter");
                Pos++;
                SkipWs();
                d[key] = ReadValue(depth + 1);
                SkipWs();
                if (Pos >= s.Length) throw Error("Expecting ',' delimiter");
                char c = s[Pos++];
                if (c == '}') return d;
                if (c != ',') throw Error("Expecting ',' delimiter");
            }
        }
    }
}
