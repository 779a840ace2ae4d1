using System.Text;

namespace Needle.Core.Inference.Constrained;

/// <summary>Where the output is: structure/values (unconstrained), inside a tool name, or inside an argument key.</summary>
public enum SpanState { Free, InName, InArgKey }

/// <summary>
/// Upstream's JsonStateMachine (needle-model.md §7): follows the generated text one char at a time to know when a tool
/// name (after <c>"name":"</c>) or an argument key (after <c>{"</c> / <c>,"</c> at the arguments' depth) is being spelled.
/// Its quirks are kept on purpose: strings inside arrays are not seen as strings, and the depth is floored at 0.
/// </summary>
public sealed class JsonSpanTracker
{
    private readonly StringBuilder _text = new();   // everything fed so far
    private readonly StringBuilder _span = new();   // the name/key typed so far inside a constrained span
    private bool _inArguments;
    private int _argumentsDepth;
    private int _depth;
    private bool _inString;
    private bool _escape;

    public SpanState State { get; private set; } = SpanState.Free;

    /// <summary>The tool name whose arguments are being written (the last completed name span).</summary>
    public string CurrentFunction { get; private set; } = "";

    /// <summary>The characters of the open name/key span so far.</summary>
    public string SpanText => _span.ToString();

    public void Feed(string text)
    {
        foreach (var ch in text) FeedChar(ch);
    }

    private void FeedChar(char ch)
    {
        _text.Append(ch);
        if (State != SpanState.Free)
        {
            if (ch == '"')
            {
                if (State == SpanState.InName) CurrentFunction = _span.ToString();
                _span.Clear();
                State = SpanState.Free;
            }
            else _span.Append(ch);
            return;
        }

        if (_inString)
        {
            if (_escape) _escape = false;
            else if (ch == '\\') _escape = true;
            else if (ch == '"') _inString = false;
            return;
        }

        if (ch is '{' or '[') _depth++;
        else if (ch is '}' or ']')
        {
            _depth = Math.Max(0, _depth - 1);
            if (ch == '}' && _inArguments && _depth < _argumentsDepth) _inArguments = false;
            return;
        }

        if (!_inArguments && EndsWith("\"name\":\""))
        {
            State = SpanState.InName;
            _span.Clear();
            return;
        }
        if (EndsWith("\"arguments\":{"))
        {
            _inArguments = true;
            _argumentsDepth = _depth;
            return;
        }
        if (_inArguments && _depth == _argumentsDepth && (EndsWith("{\"") || EndsWith(",\"")))
        {
            State = SpanState.InArgKey;
            _span.Clear();
            return;
        }
        if (ch == '"' && PreviousNonSpaceIsColon()) _inString = true;
    }

    private bool EndsWith(string suffix)
    {
        if (_text.Length < suffix.Length) return false;
        int offset = _text.Length - suffix.Length;
        for (int i = 0; i < suffix.Length; i++)
            if (_text[offset + i] != suffix[i]) return false;
        return true;
    }

    // The char before the '"' just fed, skipping JSON whitespace.
    private bool PreviousNonSpaceIsColon()
    {
        for (int j = _text.Length - 2; j >= 0; j--)
        {
            char c = _text[j];
            if (c is ' ' or '\t' or '\n' or '\r') continue;
            return c == ':';
        }
        return false;
    }
}
