namespace Needle.Core.Checkpoints.Pickle;

// The Python values the Unpickler can produce. Plain values map to .NET ones:
//   None -> null, bool -> bool, int -> long, float -> double, str -> string, bytes/bytearray -> byte[],
//   list -> List<object?>, tuple -> PyTuple, dict / OrderedDict -> PyDict, set -> PySet, numpy.ndarray -> NumpyArray.

/// <summary>A Python tuple (immutable, compared by value so it can be a dict key).</summary>
public sealed class PyTuple : IEquatable<PyTuple>
{
    /// <summary>Deeper nesting is refused, so equality, hashing and printing can never overflow the stack.</summary>
    public const int MaxDepth = 100;

    public static readonly PyTuple Empty = new([]);

    public PyTuple(object?[] items)
    {
        Items = items;
        Depth = 1 + items.Select(x => x is PyTuple t ? t.Depth : 0).DefaultIfEmpty(0).Max();
        if (Depth > MaxDepth) throw new InvalidDataException($"tuples are nested deeper than {MaxDepth} levels.");
    }

    public object?[] Items { get; }

    public int Depth { get; }

    public int Count => Items.Length;

    public object? this[int index] => Items[index];

    public bool Equals(PyTuple? other) =>
        other is not null && Items.Length == other.Items.Length && Items.Zip(other.Items).All(p => Equals(p.First, p.Second));

    public override bool Equals(object? obj) => obj is PyTuple t && Equals(t);

    public override int GetHashCode() => Items.Aggregate(17, (h, x) => h * 31 + (x?.GetHashCode() ?? 0));

    public override string ToString() => "(" + string.Join(", ", Items.Select(PyRepr.Of)) + (Items.Length == 1 ? ",)" : ")");
}

/// <summary>A Python dict: insertion-ordered, keys compared by value (str, int, tuple...).</summary>
public sealed class PyDict
{
    private readonly Dictionary<object, int> _index = new();
    private readonly List<KeyValuePair<object?, object?>> _items = new();

    public int Count => _items.Count;

    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    public void Set(object? key, object? value)
    {
        var k = key ?? NullKey.Instance;
        if (_index.TryGetValue(k, out var i)) _items[i] = new(key, value);
        else
        {
            _index[k] = _items.Count;
            _items.Add(new(key, value));
        }
    }

    public bool TryGetValue(object? key, out object? value)
    {
        if (_index.TryGetValue(key ?? NullKey.Instance, out var i))
        {
            value = _items[i].Value;
            return true;
        }
        value = null;
        return false;
    }

    private sealed class NullKey
    {
        public static readonly NullKey Instance = new();
    }
}

/// <summary>A Python set or frozenset (only kept so a stream holding one still parses).</summary>
public sealed class PySet
{
    public List<object?> Items { get; } = new();
}

/// <summary>A module-level name the stream refers to (only allow-listed ones are ever created).</summary>
public sealed record PyGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;

    public override string ToString() => FullName;
}

internal static class PyRepr
{
    public static string Of(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        string s => "'" + s + "'",
        byte[] bytes => $"<{bytes.Length} bytes>",
        PyDeferredBytes bytes => $"<{bytes.Length} bytes>",
        PyDict d => $"<dict of {d.Count}>",
        List<object?> l => $"<list of {l.Count}>",
        _ => value.ToString() ?? value.GetType().Name,
    };

    /// <summary>A Python-ish type name for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "None",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        byte[] or PyDeferredBytes => "bytes",
        PyTuple => "tuple",
        PyDict => "dict",
        List<object?> => "list",
        PySet => "set",
        NumpyArray => "numpy.ndarray",
        NumpyDType => "numpy.dtype",
        PyGlobal g => g.FullName,
        _ => value.GetType().Name,
    };
}
