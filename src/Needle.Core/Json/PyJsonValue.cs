using System.Numerics;

namespace Needle.Core.Json;

/// <summary>The kinds of value Python's json.loads produces: None, bool, int, float, str, list, dict.</summary>
public enum PyJsonKind { Null, Bool, Int, Float, String, Array, Object }

/// <summary>
/// A JSON value with Python's distinctions: int (unbounded) vs float, insertion-ordered dicts with Python's
/// duplicate-key rule, strings that may hold lone surrogates. Round-trips through <see cref="PyJson"/> exactly like
/// <c>json.dumps(json.loads(s))</c>.
/// </summary>
public abstract class PyJsonValue
{
    public abstract PyJsonKind Kind { get; }

    /// <summary>The Python-exact compact form, <c>json.dumps(v, separators=(",", ":"))</c>.</summary>
    public override string ToString() => PyJson.Dumps(this);
}

public sealed class PyJsonNull : PyJsonValue
{
    public static PyJsonNull Instance { get; } = new();
    private PyJsonNull() { }
    public override PyJsonKind Kind => PyJsonKind.Null;
}

public sealed class PyJsonBool : PyJsonValue
{
    public static PyJsonBool True { get; } = new(true);
    public static PyJsonBool False { get; } = new(false);
    private PyJsonBool(bool value) => Value = value;
    public bool Value { get; }
    public override PyJsonKind Kind => PyJsonKind.Bool;
    public static PyJsonBool Of(bool value) => value ? True : False;
}

public sealed class PyJsonInt(BigInteger value) : PyJsonValue
{
    public BigInteger Value { get; } = value;
    public override PyJsonKind Kind => PyJsonKind.Int;
}

public sealed class PyJsonFloat(double value) : PyJsonValue
{
    public double Value { get; } = value;
    public override PyJsonKind Kind => PyJsonKind.Float;
}

public sealed class PyJsonString(string value) : PyJsonValue
{
    public string Value { get; } = value ?? throw new ArgumentNullException(nameof(value));
    public override PyJsonKind Kind => PyJsonKind.String;
}

public sealed class PyJsonArray : PyJsonValue
{
    public PyJsonArray() { }
    public PyJsonArray(IEnumerable<PyJsonValue> items) => Items.AddRange(items);
    public List<PyJsonValue> Items { get; } = [];
    public int Count => Items.Count;
    public PyJsonValue this[int index] => Items[index];
    public override PyJsonKind Kind => PyJsonKind.Array;
}

/// <summary>A Python dict: keys keep their first insertion position; assigning an existing key replaces its value in place.</summary>
public sealed class PyJsonObject : PyJsonValue
{
    private readonly List<KeyValuePair<string, PyJsonValue>> _entries = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public override PyJsonKind Kind => PyJsonKind.Object;
    public int Count => _entries.Count;
    public IReadOnlyList<KeyValuePair<string, PyJsonValue>> Entries => _entries;
    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public PyJsonValue? this[string key]
    {
        get => TryGet(key, out var v) ? v : null;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Set(key, value);
        }
    }

    public bool TryGet(string key, out PyJsonValue value)
    {
        if (_index.TryGetValue(key, out var i)) { value = _entries[i].Value; return true; }
        value = PyJsonNull.Instance;
        return false;
    }

    public bool ContainsKey(string key) => _index.ContainsKey(key);

    /// <summary>Python's <c>d.get(key, fallback)</c>: a present key's value (JSON null included), else the fallback.</summary>
    public PyJsonValue Get(string key, PyJsonValue fallback) => TryGet(key, out var v) ? v : fallback;

    /// <summary>The value of a key that holds a str, else null (missing key or another type).</summary>
    public string? GetString(string key) => TryGet(key, out var v) && v is PyJsonString s ? s.Value : null;

    /// <summary>Python's <c>d[key] = value</c>.</summary>
    public void Set(string key, PyJsonValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (_index.TryGetValue(key, out var i)) _entries[i] = new(key, value);
        else
        {
            _index[key] = _entries.Count;
            _entries.Add(new(key, value));
        }
    }
}
