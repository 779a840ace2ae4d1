using Needle.Core.Checkpoints.Pickle;
using Needle.Core.Model;

namespace Needle.Core.Checkpoints;

/// <summary>
/// Reads and writes upstream Needle checkpoints: a pickled <c>{"params": nested dict of numpy arrays, "config": dict}</c>
/// (needle-model.md §1). Loading never runs code from the file (see <see cref="Unpickler"/>). Saving writes pickle
/// protocol 4 with float16 leaves and alphabetically sorted param keys, like upstream, atomically (temp + rename).
/// </summary>
public static class CheckpointFile
{
    private const int MaxDepth = 64;

    public static CheckpointData Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"checkpoint '{path}' does not exist.", path); }
        return Load(bytes, path);
    }

    /// <summary>
    /// Loads a checkpoint for the model: merges its config over the defaults and checks every parameter's path and shape
    /// against <see cref="NeedleParameterLayout"/>; any problem is an InvalidDataException naming the file.
    /// </summary>
    public static (CheckpointData Data, NeedleConfig Config) LoadValidated(string path)
    {
        var data = Load(path);
        var config = ConfigOf(data, path);
        CheckpointValidator.Check(data, config).ThrowIfInvalid(path);
        return (data, config);
    }

    /// <summary>The checkpoint's config merged over the defaults; bad values are an InvalidDataException naming <paramref name="name"/>.</summary>
    public static NeedleConfig ConfigOf(CheckpointData data, string name)
    {
        ArgumentNullException.ThrowIfNull(data);
        try
        {
            return NeedleConfig.FromDictionary(data.Config);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new InvalidDataException($"{name}: the config has a value of the wrong type ({e.Message}).", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"{name}: {e.Message}", e);
        }
    }

    /// <summary>Loads from a stream (e.g. an upload); <paramref name="name"/> is used in error messages.</summary>
    public static CheckpointData Load(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Load(buffer.ToArray(), name);
    }

    public static CheckpointData Load(byte[] bytes, string name)
    {
        try
        {
            return FromPickle(Unpickler.Load(bytes), bytes.LongLength);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name}: not a valid Needle checkpoint: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"{name}: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="path"/> atomically: a temp file in the same folder, then a rename.</summary>
    public static void Save(string path, CheckpointData data, NdDType leafType = NdDType.Float16)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(data);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Save(stream, data, leafType);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void Save(Stream stream, CheckpointData data, NdDType leafType = NdDType.Float16)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(data);
        Pickler.Dump(ToPickle(data, leafType), stream);
    }

    // ---- pickle object -> CheckpointData ----------------------------------------------------------------------

    private static CheckpointData FromPickle(object? root, long fileLength)
    {
        var (paramsDict, config, extra) = SplitTop(root);
        var leaves = new Dictionary<string, NdArray>(StringComparer.Ordinal);
        var budget = new Budget(fileLength);
        Flatten(paramsDict, "", 0, (path, leaf) => leaves[path] = leaf switch
        {
            NumpyArray array => budget.Convert(array, path),
            // A numpy scalar (np.float16(x), not a 0-d array) unpickles as a number: keep it as a 0-d leaf.
            _ => new NdArray([], [(float)(double)leaf]),
        });
        return new CheckpointData { Params = leaves, Config = config, Extra = extra };
    }

    /// <summary>The top-level dict's "params" dict, config and other keys (checked to be plain values).</summary>
    internal static (PyDict Params, Dictionary<string, object?> Config, Dictionary<string, object?> Extra) SplitTop(object? root)
    {
        if (root is not PyDict top)
            throw new InvalidDataException($"the top-level object is a {PyRepr.TypeName(root)}, expected a dict with \"params\" and \"config\".");
        object? paramsObj = null, configObj = null;
        var hasParams = false;
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in top.Items)
        {
            if (k is not string key) throw new InvalidDataException($"the top-level dict has a non-string key {PyRepr.Of(k)}.");
            switch (key)
            {
                case "params": paramsObj = v; hasParams = true; break;
                case "config": configObj = v; break;
                default: extra[key] = PlainValue(v, key); break;
            }
        }
        if (!hasParams) throw new InvalidDataException($"the top-level dict has no \"params\" (keys: {string.Join(", ", top.Items.Select(kv => PyRepr.Of(kv.Key)))}).");
        if (paramsObj is not PyDict paramsDict) throw new InvalidDataException($"\"params\" is a {PyRepr.TypeName(paramsObj)}, expected a dict.");

        var config = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (configObj is not null)
        {
            if (configObj is not PyDict cd) throw new InvalidDataException($"\"config\" is a {PyRepr.TypeName(configObj)}, expected a dict.");
            foreach (var (k, v) in cd.Items)
            {
                if (k is not string key) throw new InvalidDataException($"\"config\" has a non-string key {PyRepr.Of(k)}.");
                config[key] = PlainValue(v, "config/" + key);
            }
        }
        return (paramsDict, config, extra);
    }

    /// <summary>
    /// Guards against a memory bomb: a small file can name one big buffer many times through the memo. Every array
    /// numpy writes carries its own bytes, so the distinct arrays' data can never add up to more than the file.
    /// </summary>
    private sealed class Budget(long fileLength)
    {
        private readonly Dictionary<NumpyArray, NdArray> _converted = new(ReferenceEqualityComparer.Instance);
        private long _bytes;

        public NdArray Convert(NumpyArray array, string path)
        {
            if (_converted.TryGetValue(array, out var done)) return done; // one Python object under two names
            _bytes += array.RawLength;
            if (_bytes > fileLength)
                throw new InvalidDataException($"param '{path}': the arrays hold more data than the file itself (buffers reused through the memo); refusing to expand it.");
            return _converted[array] = array.ToNdArray();
        }
    }

    /// <summary>Walks the params tree: <paramref name="leaf"/> gets each '/'-joined path with its NumpyArray or (numpy scalar) double.</summary>
    internal static void Flatten(PyDict dict, string prefix, int depth, Action<string, object> leaf)
    {
        if (depth > MaxDepth) throw new InvalidDataException($"params are nested deeper than {MaxDepth} levels at '{prefix}'.");
        foreach (var (k, v) in dict.Items)
        {
            if (k is not string key || key.Length == 0 || key.Contains('/'))
                throw new InvalidDataException($"params{(prefix.Length > 0 ? " at '" + prefix + "'" : "")} has the key {PyRepr.Of(k)}; keys must be non-empty strings without '/'.");
            var path = prefix.Length == 0 ? key : prefix + "/" + key;
            switch (v)
            {
                case PyDict child: Flatten(child, path, depth + 1, leaf); break;
                case NumpyArray or double:
                    try { leaf(path, v); }
                    catch (InvalidDataException e) { throw new InvalidDataException($"param '{path}': {e.Message}", e); }
                    catch (NotSupportedException e) { throw new NotSupportedException($"param '{path}': {e.Message}", e); }
                    break;
                default: throw new InvalidDataException($"param '{path}' is a {PyRepr.TypeName(v)}, expected a numpy array or a dict.");
            }
        }
    }

    private static object? PlainValue(object? v, string where) => v switch
    {
        null or bool or long or double or string => v,
        _ => throw new NotSupportedException($"'{where}' is a {PyRepr.TypeName(v)}; only int, float, str, bool and None values are supported there."),
    };

    // ---- CheckpointData -> pickle object ----------------------------------------------------------------------

    private static PyDict ToPickle(CheckpointData data, NdDType leafType)
    {
        var top = new PyDict();
        top.Set("params", BuildTree(data.Params, leafType));
        var config = new PyDict();
        foreach (var (k, v) in data.Config) config.Set(k, CheckPlain(v, "config/" + k));
        top.Set("config", config);
        foreach (var (k, v) in data.Extra)
        {
            if (k is "params" or "config") throw new ArgumentException($"Extra must not contain '{k}'.", nameof(data));
            top.Set(k, CheckPlain(v, k));
        }
        return top;
    }

    private static object? CheckPlain(object? v, string where) => v switch
    {
        null or bool or long or double or string => v,
        int i => (long)i,
        float f => (double)f,
        _ => throw new ArgumentException($"'{where}' is a {v.GetType().Name}; only long, double, string, bool and null can be saved."),
    };

    // Nested dicts rebuilt from the '/'-paths, keys sorted ordinally at every level like JAX's tree_map output.
    private static PyDict BuildTree(IReadOnlyDictionary<string, NdArray> leaves, NdDType leafType)
    {
        var root = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (path, leaf) in leaves)
        {
            var parts = path.Split('/');
            if (parts.Any(p => p.Length == 0)) throw new ArgumentException($"param path '{path}' has an empty segment.");
            if (leaf.Data.LongLength != leaf.Count)
                throw new ArgumentException($"param '{path}' has {leaf.Data.LongLength} values but shape {leaf.ShapeText}.");
            var node = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (!node.TryGetValue(parts[i], out var child))
                    node[parts[i]] = child = new SortedDictionary<string, object>(StringComparer.Ordinal);
                node = child as SortedDictionary<string, object>
                       ?? throw new ArgumentException($"param '{path}' lies under '{string.Join('/', parts[..(i + 1)])}', which is itself a leaf.");
            }
            if (node.ContainsKey(parts[^1])) throw new ArgumentException($"param path '{path}' is both a leaf and a folder.");
            node[parts[^1]] = Encode(leaf, leafType);
        }
        return ToPyDict(root);
    }

    private static PyDict ToPyDict(SortedDictionary<string, object> node)
    {
        var d = new PyDict();
        foreach (var (k, v) in node) d.Set(k, v is SortedDictionary<string, object> child ? ToPyDict(child) : v);
        return d;
    }

    private static NumpyArray Encode(NdArray leaf, NdDType leafType)
    {
        var data = leaf.Data.AsSpan(0, (int)leaf.Count);
        switch (leafType)
        {
            case NdDType.Float16:
            {
                var raw = new byte[data.Length * 2];
                FloatBits.SingleToHalf(data, raw);
                return NumpyArray.FromRaw(leaf.Shape, new NumpyDType("f2") { Endian = '<' }, raw);
            }
            case NdDType.BFloat16:
            {
                var raw = new byte[data.Length * 2];
                FloatBits.SingleToBFloat16(data, raw);
                return NumpyArray.FromRaw(leaf.Shape, new NumpyDType(NumpyDType.BFloat16Code) { Endian = '<' }, raw);
            }
            case NdDType.Float32:
            {
                var raw = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data).ToArray();
                return NumpyArray.FromRaw(leaf.Shape, new NumpyDType("f4") { Endian = '<' }, raw);
            }
            default: throw new ArgumentOutOfRangeException(nameof(leafType), leafType, null);
        }
    }
}
