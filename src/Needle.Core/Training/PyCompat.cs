using System.Globalization;
using System.Text;
using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>Small Python behaviours the metrics reproduce (rounding, slicing, truthiness, iteration, snake_case).</summary>
public static class PyCompat
{
    /// <summary>Python's <c>round(x, digits)</c>: correctly rounded from the exact binary value, ties to even.</summary>
    public static double Round(double x, int digits)
    {
        if (double.IsNaN(x) || double.IsInfinity(x) || x == 0) return x;
        // 40 fractional digits are exact enough to tell a true tie from a near-tie for |x| < 1e6.
        string s = Math.Abs(x).ToString("F40", CultureInfo.InvariantCulture);
        int dot = s.IndexOf('.');
        string intPart = s[..dot], frac = s[(dot + 1)..];
        string kept = intPart + frac[..digits];
        string rest = frac[digits..];
        int cmp = rest[0] > '5' ? 1 : rest[0] < '5' ? -1 : (rest.AsSpan(1).IndexOfAnyExcept('0') >= 0 ? 1 : 0);
        var n = System.Numerics.BigInteger.Parse(kept, CultureInfo.InvariantCulture);
        if (cmp > 0 || (cmp == 0 && !n.IsEven)) n += 1;
        double r = double.Parse(n.ToString(CultureInfo.InvariantCulture) + "E-" + digits, CultureInfo.InvariantCulture);
        return x < 0 ? -r : r;
    }

    /// <summary><c>s[:n]</c> counting code points like Python, so a surrogate pair is never split.</summary>
    public static string Slice(string s, int n)
    {
        if (s.Length <= n) return s;
        var sb = new StringBuilder();
        int count = 0;
        for (int i = 0; i < s.Length && count < n; i++, count++)
        {
            sb.Append(s[i]);
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) sb.Append(s[++i]);
        }
        return sb.ToString();
    }

    /// <summary>Python truthiness of a JSON value.</summary>
    public static bool Truthy(PyJsonValue v) => v switch
    {
        PyJsonNull => false,
        PyJsonBool b => b.Value,
        PyJsonString s => s.Value.Length > 0,
        PyJsonInt i => !i.Value.IsZero,
        PyJsonFloat d => d.Value != 0,
        PyJsonObject d => d.Count > 0,
        PyJsonArray list => list.Count > 0,
        _ => true,
    };

    /// <summary>What <c>for c in value</c> yields for a parsed JSON value (a dict yields its keys, a string its chars).</summary>
    public static List<PyJsonValue> Iterate(PyJsonValue v) => v switch
    {
        PyJsonArray list => list.Items,
        PyJsonObject d => d.Keys.Select(k => (PyJsonValue)new PyJsonString(k)).ToList(),
        PyJsonString s => s.Value.Select(ch => (PyJsonValue)new PyJsonString(ch.ToString())).ToList(),
        _ => [],
    };

    /// <summary><c>len(value)</c> for values that have one; null when Python would raise TypeError.</summary>
    public static int? Len(PyJsonValue v) => v switch
    {
        PyJsonArray list => list.Count,
        PyJsonObject d => d.Count,
        PyJsonString s => s.Value.Length,
        _ => null,
    };

    /// <summary>Canonical JSON (<c>json.dumps(v, sort_keys=True)</c>): the equality metrics compare values by.</summary>
    public static string Canon(PyJsonValue v) => PyJson.DumpsSorted(v);

    /// <summary>Upstream's <c>to_snake_case</c> (needle-model.md §9.1): the inference implementation, shared.</summary>
    public static string ToSnakeCase(string name) => Inference.ToolNames.ToSnakeCase(name);
}
