using System.Globalization;
using System.Numerics;
using System.Text;

namespace Needle.Core.Json;

/// <summary>Python's <c>json.JSONDecodeError</c>: the text is not JSON as Python's json.loads (strict mode) reads it.</summary>
public sealed class PyJsonDecodeException(string message, int position)
    : FormatException($"{message}: char {position}")
{
    public int Position { get; } = position;
}

/// <summary>
/// <c>json.loads</c> as CPython's C scanner does it: whitespace is only space/tab/CR/LF, NaN/Infinity/-Infinity are
/// accepted, numbers with a fraction or exponent become floats and the rest unbounded ints, control characters inside
/// strings are rejected, lone surrogate escapes are kept, and a duplicate key keeps its first position with its last value.
/// </summary>
internal ref struct PyJsonParser
{
    // CPython stops at its recursion limit (~1000); we stop at the same depth instead of overflowing the stack.
    private const int MaxDepth = 1000;

    private readonly ReadOnlySpan<char> _s;
    private int _pos;
    private int _depth;

    private PyJsonParser(ReadOnlySpan<char> s) { _s = s; _pos = 0; _depth = 0; }

    public static PyJsonValue Parse(ReadOnlySpan<char> s)
    {
        var p = new PyJsonParser(s);
        p.SkipWhitespace();
        var value = p.ParseValue();
        p.SkipWhitespace();
        if (p._pos != s.Length) throw new PyJsonDecodeException("Extra data", p._pos);
        return value;
    }

    private void SkipWhitespace()
    {
        while (_pos < _s.Length && _s[_pos] is ' ' or '\t' or '\n' or '\r') _pos++;
    }

    private bool Matches(string literal) => _s[_pos..].StartsWith(literal, StringComparison.Ordinal);

    private PyJsonValue ParseValue()
    {
        if (_pos >= _s.Length) throw new PyJsonDecodeException("Expecting value", _pos);
        switch (_s[_pos])
        {
            case '"': _pos++; return new PyJsonString(ParseString());
            case '{': return ParseObject();
            case '[': return ParseArray();
            case 'n' when Matches("null"): _pos += 4; return PyJsonNull.Instance;
            case 't' when Matches("true"): _pos += 4; return PyJsonBool.True;
            case 'f' when Matches("false"): _pos += 5; return PyJsonBool.False;
            case 'N' when Matches("NaN"): _pos += 3; return new PyJsonFloat(double.NaN);
            case 'I' when Matches("Infinity"): _pos += 8; return new PyJsonFloat(double.PositiveInfinity);
            case '-' when Matches("-Infinity"): _pos += 9; return new PyJsonFloat(double.NegativeInfinity);
            default: return ParseNumber();
        }
    }

    // Python's NUMBER_RE: (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?
    private PyJsonValue ParseNumber()
    {
        int start = _pos, i = _pos;
        if (i < _s.Length && _s[i] == '-') i++;
        if (i < _s.Length && _s[i] is >= '1' and <= '9')
            while (i < _s.Length && char.IsAsciiDigit(_s[i])) i++;
        else if (i < _s.Length && _s[i] == '0') i++;
        else throw new PyJsonDecodeException("Expecting value", start);

        bool isFloat = false;
        if (i + 1 < _s.Length && _s[i] == '.' && char.IsAsciiDigit(_s[i + 1]))
        {
            isFloat = true;
            i += 2;
            while (i < _s.Length && char.IsAsciiDigit(_s[i])) i++;
        }
        if (i < _s.Length && _s[i] is 'e' or 'E')
        {
            int j = i + 1;
            if (j < _s.Length && _s[j] is '+' or '-') j++;
            int digitsStart = j;
            while (j < _s.Length && char.IsAsciiDigit(_s[j])) j++;
            if (j > digitsStart) { isFloat = true; i = j; }   // "1e" is the int 1 followed by extra data
        }
        _pos = i;
        var text = _s[start..i];
        return isFloat
            ? new PyJsonFloat(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture))
            : new PyJsonInt(BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
    }

    // Called after the opening quote; leaves _pos after the closing quote.
    private string ParseString()
    {
        int begin = _pos - 1;
        StringBuilder? sb = null;
        int runStart = _pos;
        while (true)
        {
            if (_pos >= _s.Length) throw new PyJsonDecodeException("Unterminated string starting at", begin);
            char c = _s[_pos];
            if (c == '"')
            {
                string result = sb is null ? _s[runStart.._pos].ToString() : sb.Append(_s[runStart.._pos]).ToString();
                _pos++;
                return result;
            }
            if (c < 0x20) throw new PyJsonDecodeException("Invalid control character at", _pos);
            if (c != '\\') { _pos++; continue; }

            sb ??= new StringBuilder();
            sb.Append(_s[runStart.._pos]);
            if (_pos + 1 >= _s.Length) throw new PyJsonDecodeException("Unterminated string starting at", begin);
            char e = _s[_pos + 1];
            switch (e)
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
                    // A surrogate pair arrives as two escapes; in UTF-16 appending both units is the same as combining them.
                    sb.Append((char)ParseHex4(_pos + 2, _pos));
                    _pos += 4;
                    break;
                default: throw new PyJsonDecodeException("Invalid \\escape", _pos);
            }
            _pos += 2;
            runStart = _pos;
        }
    }

    private int ParseHex4(int at, int escapeStart)
    {
        if (at + 4 > _s.Length) throw new PyJsonDecodeException("Invalid \\uXXXX escape", escapeStart);
        int v = 0;
        for (int k = 0; k < 4; k++)
        {
            int d = HexValue(_s[at + k]);
            if (d < 0) throw new PyJsonDecodeException("Invalid \\uXXXX escape", escapeStart);
            v = v * 16 + d;
        }
        return v;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private void Enter()
    {
        if (++_depth > MaxDepth) throw new PyJsonDecodeException("Maximum nesting depth exceeded", _pos);
    }

    private PyJsonObject ParseObject()
    {
        Enter();
        _pos++; // '{'
        var obj = new PyJsonObject();
        SkipWhitespace();
        if (_pos < _s.Length && _s[_pos] == '}') { _pos++; _depth--; return obj; }
        while (true)
        {
            if (_pos >= _s.Length || _s[_pos] != '"')
                throw new PyJsonDecodeException("Expecting property name enclosed in double quotes", _pos);
            _pos++;
            string key = ParseString();
            SkipWhitespace();
            if (_pos >= _s.Length || _s[_pos] != ':') throw new PyJsonDecodeException("Expecting ':' delimiter", _pos);
            _pos++;
            SkipWhitespace();
            obj.Set(key, ParseValue());
            SkipWhitespace();
            if (_pos < _s.Length && _s[_pos] == '}') { _pos++; _depth--; return obj; }
            if (_pos >= _s.Length || _s[_pos] != ',') throw new PyJsonDecodeException("Expecting ',' delimiter", _pos);
            _pos++;
            SkipWhitespace();
        }
    }

    private PyJsonArray ParseArray()
    {
        Enter();
        _pos++; // '['
        var arr = new PyJsonArray();
        SkipWhitespace();
        if (_pos < _s.Length && _s[_pos] == ']') { _pos++; _depth--; return arr; }
        while (true)
        {
            arr.Items.Add(ParseValue());
            SkipWhitespace();
            if (_pos < _s.Length && _s[_pos] == ']') { _pos++; _depth--; return arr; }
            if (_pos >= _s.Length || _s[_pos] != ',') throw new PyJsonDecodeException("Expecting ',' delimiter", _pos);
            _pos++;
            SkipWhitespace();
        }
    }
}
