namespace Needle.Core.Inference.Constrained;

/// <summary>
/// A character-level recognizer of the whole tool-call answer, for structured decoding:
/// <c>[ ]</c> or <c>[CALL(,CALL)*]</c> with CALL = <c>{"name":"NAME","arguments":{("KEY":VALUE(,"KEY":VALUE)*)?}}</c>,
/// NAME one of the tools, KEY one of that tool's parameters (each at most once), VALUE any JSON value. Leading
/// whitespace and one leading <c>&lt;tool_call&gt;</c> are allowed. Unlike upstream's constraint (§7), which only
/// restricts name and key characters, every accepted text is a prefix of well-formed JSON.
/// </summary>
public sealed class CallGrammar
{
    private enum Phase { Start, ListOpen, Literal, Name, ArgsOpen, Key, Value, AfterValue, CloseCall, AfterCall, Done }

    // Inside a VALUE: a small JSON recognizer with a container stack.
    private enum ValueMode { Begin, InString, Escape, Hex, Number, Word, AfterItem, ObjectKeyOrClose, ObjectKeyStart, ObjectKey, ObjectKeyEscape, ObjectKeyHex, ObjectColon }

    private readonly ToolSchemas _tools;
    private Phase _phase;
    private string _literal = "";
    private int _literalAt;
    private Phase _afterLiteral;
    private TrieNode? _node;
    private readonly System.Text.StringBuilder _span = new();
    private string? _tool;
    private readonly List<string> _usedKeys = [];
    private ValueMode _mode;
    private readonly List<char> _stack = [];
    private int _hexLeft;
    private string _word = "";
    private int _wordAt;
    private int _numberState;
    private bool _sawToolCall;
    private bool _emptyOk; // a ']' may close the array just opened

    private readonly bool _objectValues;

    /// <param name="tools">The names and keys the answer may use.</param>
    /// <param name="objectValues">Allow JSON objects as argument values. Off for decoding: Needle's tool values are
    /// scalars and arrays, and a weak model that opens an object tends to nest keys until the length limit.</param>
    public CallGrammar(ToolSchemas tools, bool objectValues = false)
    {
        _tools = tools ?? throw new ArgumentNullException(nameof(tools));
        _objectValues = objectValues;
    }

    /// <summary>True once the closing <c>]</c> has been accepted: only EOS may follow.</summary>
    public bool IsComplete => _phase == Phase.Done;

    /// <summary>Copies this state into <paramref name="target"/> (same tools), reusing its buffers.</summary>
    public void CopyTo(CallGrammar target)
    {
        target._phase = _phase; target._literal = _literal; target._literalAt = _literalAt; target._afterLiteral = _afterLiteral;
        target._node = _node; target._span.Clear().Append(_span); target._tool = _tool;
        target._usedKeys.Clear(); target._usedKeys.AddRange(_usedKeys);
        target._mode = _mode; target._stack.Clear(); target._stack.AddRange(_stack);
        target._hexLeft = _hexLeft; target._word = _word; target._wordAt = _wordAt; target._numberState = _numberState;
        if (target._objectValues != _objectValues || target._tools != _tools) throw new ArgumentException("Copy between grammars of the same tools and options.");
        target._sawToolCall = _sawToolCall; target._emptyOk = _emptyOk;
    }

    /// <summary>Feeds a token's text; false (state undefined) when some character is not allowed.</summary>
    public bool Feed(string text)
    {
        if (text == "<tool_call>" && _phase == Phase.Start && !_sawToolCall) { _sawToolCall = true; return true; }
        foreach (var ch in text)
            if (!Feed(ch)) return false;
        return true;
    }

    public bool Feed(char ch)
    {
        switch (_phase)
        {
            case Phase.Start:
                if (ch is ' ' or '\n' or '\t') return true;
                if (ch != '[') return false;
                _phase = Phase.ListOpen;
                return true;
            case Phase.ListOpen:
                if (ch == ']') { _phase = Phase.Done; return true; }
                if (ch != '{' || _tools.Names.Root.Children.Count == 0) return false;
                StartCall();
                return true;
            case Phase.Literal:
                if (ch != _literal[_literalAt]) return false;
                if (++_literalAt == _literal.Length) Enter(_afterLiteral);
                return true;
            case Phase.Name:
                if (ch == '"')
                {
                    if (!_node!.IsTerminal) return false;
                    _tool = _span.ToString();
                    _usedKeys.Clear();
                    Expect(",\"arguments\":{", Phase.ArgsOpen);
                    return true;
                }
                return Step(ch);
            case Phase.ArgsOpen:
                if (ch == '}') { _phase = Phase.CloseCall; return true; }
                if (ch != '"' || _tools.Keys(_tool!).Root.Children.Count == 0) return false;
                BeginKey();
                return true;
            case Phase.Key:
                if (ch == '"')
                {
                    var key = _span.ToString();
                    if (!_node!.IsTerminal || _usedKeys.Contains(key)) return false;
                    _usedKeys.Add(key);
                    Expect(":", Phase.Value);
                    return true;
                }
                // Only spell towards a key not used yet in this call, so a key can never lead to a dead end.
                return Step(ch) && UnusedKeyStartsWith(_span.ToString());
            case Phase.Value:
                return FeedValue(ch);
            case Phase.AfterValue:
                if (ch == '}') { _phase = Phase.CloseCall; return true; }
                if (ch != ',' || !UnusedKeyStartsWith("")) return false;
                Expect("\"", Phase.Key);
                return true;
            case Phase.CloseCall:
                if (ch != '}') return false;
                _phase = Phase.AfterCall;
                return true;
            case Phase.AfterCall:
                if (ch == ']') { _phase = Phase.Done; return true; }
                if (ch != ',') return false;
                Expect("{\"name\":\"", Phase.Name);
                return true;
            default:
                return false; // Done: nothing but EOS
        }
    }

    private void StartCall() => Expect("\"name\":\"", Phase.Name);

    private void Expect(string literal, Phase then)
    {
        _literal = literal;
        _literalAt = 0;
        _afterLiteral = then;
        _phase = Phase.Literal;
    }

    private void Enter(Phase phase)
    {
        _phase = phase;
        if (phase == Phase.Name) { _node = _tools.Names.Root; _span.Clear(); }
        else if (phase == Phase.Key) { _node = _tools.Keys(_tool!).Root; _span.Clear(); }
        else if (phase == Phase.Value) { _mode = ValueMode.Begin; _stack.Clear(); }
    }

    private void BeginKey() => Enter(Phase.Key);

    private bool UnusedKeyStartsWith(string prefix)
    {
        foreach (var key in _tools.KeyList(_tool!))
            if (key.StartsWith(prefix, StringComparison.Ordinal) && !_usedKeys.Contains(key)) return true;
        return false;
    }

    private bool Step(char ch)
    {
        if (!_node!.Children.TryGetValue(ch, out var child)) return false;
        _node = child;
        _span.Append(ch);
        return true;
    }

    // One character of a JSON value (possibly nested). When the outermost value ends, the phase moves to AfterValue.
    private bool FeedValue(char ch)
    {
        switch (_mode)
        {
            case ValueMode.Begin:
                return BeginValue(ch);
            case ValueMode.InString:
                if (ch == '\\') { _mode = ValueMode.Escape; return true; }
                if (ch == '"') { EndItem(); return true; }
                return ch >= ' ';
            case ValueMode.Escape:
            case ValueMode.ObjectKeyEscape:
                var inKey = _mode == ValueMode.ObjectKeyEscape;
                if (ch == 'u') { _hexLeft = 4; _mode = inKey ? ValueMode.ObjectKeyHex : ValueMode.Hex; return true; }
                if ("\"\\/bfnrt".IndexOf(ch) < 0) return false;
                _mode = inKey ? ValueMode.ObjectKey : ValueMode.InString;
                return true;
            case ValueMode.Hex:
            case ValueMode.ObjectKeyHex:
                if (!char.IsAsciiHexDigit(ch)) return false;
                if (--_hexLeft == 0) _mode = _mode == ValueMode.Hex ? ValueMode.InString : ValueMode.ObjectKey;
                return true;
            case ValueMode.Number:
                if (NumberStep(ch)) return true;
                if (_numberState is not (1 or 2 or 4 or 7)) return false; // "-", "1.", "1e", "1e+" cannot end a number
                EndItem();
                return FeedAfterItem(ch);
            case ValueMode.Word:
                if (ch != _word[_wordAt]) return false;
                if (++_wordAt == _word.Length) EndItem();
                return true;
            case ValueMode.AfterItem:
                return FeedAfterItem(ch);
            case ValueMode.ObjectKeyOrClose:
                if (ch == '}') { _stack.RemoveAt(_stack.Count - 1); EndItem(); return true; }
                if (ch != '"') return false;
                _mode = ValueMode.ObjectKey;
                return true;
            case ValueMode.ObjectKeyStart:
                if (ch != '"') return false;
                _mode = ValueMode.ObjectKey;
                return true;
            case ValueMode.ObjectKey:
                if (ch == '\\') { _mode = ValueMode.ObjectKeyEscape; return true; }
                if (ch == '"') { _mode = ValueMode.ObjectColon; return true; }
                return ch >= ' ';
            case ValueMode.ObjectColon:
                if (ch != ':') return false;
                _mode = ValueMode.Begin;
                _emptyOk = false;
                return true;
            default:
                return false;
        }
    }

    private bool BeginValue(char ch)
    {
        switch (ch)
        {
            case '"': _mode = ValueMode.InString; return true;
            case '[': _stack.Add('['); _mode = ValueMode.Begin; _emptyOk = true; return true;
            case '{' when _objectValues: _stack.Add('{'); _mode = ValueMode.ObjectKeyOrClose; return true;
            case ']' when _emptyOk && _stack.Count > 0 && _stack[^1] == '[':
                _emptyOk = false; _stack.RemoveAt(_stack.Count - 1); EndItem(); return true;
            case 't': StartWord("true"); return true;
            case 'f': StartWord("false"); return true;
            case 'n': StartWord("null"); return true;
        }
        if (ch == '-' || char.IsAsciiDigit(ch))
        {
            _numberState = 0;
            _mode = ValueMode.Number;
            return NumberStep(ch);
        }
        return false;
    }

    private void StartWord(string word)
    {
        _word = word; _wordAt = 1; _mode = ValueMode.Word;
        _emptyOk = false;
    }

    // After a complete item inside the value: ',' or the container's close; with no container, the value is done.
    private void EndItem()
    {
        _emptyOk = false;
        if (_stack.Count == 0) { _phase = Phase.AfterValue; return; }
        _mode = ValueMode.AfterItem;
    }

    private bool FeedAfterItem(char ch)
    {
        if (_stack.Count == 0) return Feed(ch); // the outer grammar takes it (after a bare number)
        var top = _stack[^1];
        if (ch == ',') { _mode = top == '[' ? ValueMode.Begin : ValueMode.ObjectKeyStart; _emptyOk = false; return true; }
        if ((top == '[' && ch == ']') || (top == '{' && ch == '}')) { _stack.RemoveAt(_stack.Count - 1); EndItem(); return true; }
        return false;
    }

    // JSON number states: 0 start, 8 after '-', 1 a leading 0, 2 integer digits, 3 '.', 4 fraction digits, 5 'e',
    // 6 exponent sign, 7 exponent digits. A number may end in 1, 2, 4 or 7.
    private bool NumberStep(char ch)
    {
        bool digit = char.IsAsciiDigit(ch);
        switch (_numberState)
        {
            case 0: if (ch == '-') { _numberState = 8; return true; } goto case 8;
            case 8: if (!digit) return false; _numberState = ch == '0' ? 1 : 2; return true;
            case 1: if (ch == '.') { _numberState = 3; return true; } if (ch is 'e' or 'E') { _numberState = 5; return true; } return false;
            case 2: if (digit) return true; goto case 1;
            case 3: if (!digit) return false; _numberState = 4; return true;
            case 4: if (digit) return true; if (ch is 'e' or 'E') { _numberState = 5; return true; } return false;
            case 5: if (ch is '+' or '-') { _numberState = 6; return true; } goto case 6;
            case 6: if (!digit) return false; _numberState = 7; return true;
            case 7: return digit;
            default: return false;
        }
    }
}
