using System.Globalization;

namespace Needle.Core.Json;

/// <summary>Python's <c>repr(float)</c> (and <c>str(float)</c>): shortest round-trip digits in Python's layout.</summary>
public static class PyFloat
{
    /// <summary>
    /// <c>repr(x)</c>: fixed notation when the decimal point falls in -4 &lt; decpt &lt;= 16 (with a trailing ".0" for
    /// integral values), otherwise <c>d.ddde±XX</c>; <c>inf</c>, <c>-inf</c>, <c>nan</c>.
    /// </summary>
    public static string Repr(double x)
    {
        if (double.IsNaN(x)) return "nan";
        if (double.IsPositiveInfinity(x)) return "inf";
        if (double.IsNegativeInfinity(x)) return "-inf";
        bool negative = double.IsNegative(x);
        if (x == 0) return negative ? "-0.0" : "0.0";

        var (digits, decpt) = ShortestDigits(Math.Abs(x));
        string body;
        if (decpt <= -4 || decpt > 16)
        {
            int exp = decpt - 1;
            body = (digits.Length > 1 ? digits[..1] + "." + digits[1..] : digits)
                   + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (decpt <= 0) body = "0." + new string('0', -decpt) + digits;
        else if (decpt >= digits.Length) body = digits + new string('0', decpt - digits.Length) + ".0";
        else body = digits[..decpt] + "." + digits[decpt..];
        return negative ? "-" + body : body;
    }

    /// <summary>The shortest round-trip significant digits of a positive finite x, and where the decimal point goes: x = 0.DIGITS × 10^decpt.</summary>
    internal static (string Digits, int DecPt) ShortestDigits(double x)
    {
        // .NET's "R" is the shortest round-trip form (closest to x on ties), like Python's repr; only the layout differs.
        string r = x.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOfAny(['E', 'e']);
        int exp = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = e < 0 ? r : r[..e];
        int dot = mantissa.IndexOf('.');
        string intPart = dot < 0 ? mantissa : mantissa[..dot];
        string fracPart = dot < 0 ? "" : mantissa[(dot + 1)..];
        string digits = intPart + fracPart;
        int decpt = intPart.Length + exp;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..].TrimEnd('0');
        decpt -= lead;
        return (digits.Length == 0 ? "0" : digits, decpt);
    }
}
