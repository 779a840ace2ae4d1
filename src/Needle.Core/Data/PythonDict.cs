namespace Needle.Core.Data;

/// <summary>
/// A JSON object as Python's json.loads builds it: an insertion-ordered dict where a repeated key keeps its first
/// position and takes the last value. Values are the PythonJson value model (see <see cref="PythonJson"/>).
/// </summary>
public sealed class PythonDict
{
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    public int Count => _keys.Count;

    public IReadOnlyList<string> Keys => _keys;

    public object? this[string key]
    {
        get => _values[key];
        set
        {
            if (!_values.ContainsKey(key)) _keys.Add(key);
            _values[key] = value;
        }
    }

    public bool ContainsKey(string key) => _values.ContainsKey(key);

    public bool TryGetValue(string key, out object? value) => _values.TryGetValue(key, out value);

    public object? GetValueOrDefault(string key, object? fallback = null) => _values.TryGetValue(key, out var v) ? v : fallback;

    public IEnumerable<KeyValuePair<string, object?>> Items => _keys.Select(k => new KeyValuePair<string, object?>(k, _values[k]));

    /// <summary>A new dict with the same entries in the given key order (every key must be present).</summary>
    public PythonDict Reordered(IEnumerable<string> keyOrder)
    {
        var d = new PythonDict();
        foreach (var k in keyOrder) d[k] = _values[k];
        if (d.Count != Count) throw new ArgumentException("The key order must list every key exactly once.", nameof(keyOrder));
        return d;
    }
}
