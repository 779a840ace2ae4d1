using Needle.Core.Data;

namespace Needle.Core.Training;

/// <summary>Pieces shared by the three upstream scorers (§6.1–6.3): call keys, name sets, parsing predictions.</summary>
internal static class ToolCallScoring
{
    /// <summary>
    /// <c>_call_key</c>: canonical JSON of <c>{"name", "arguments"}</c>; null for non-dicts. <paramref name="argsDefault"/>
    /// is what a missing "arguments" becomes (null in finetune/train, {} in the benchmark).
    /// </summary>
    public static string? CallKey(object? call, Func<object?, object?>? normalizeArgs = null, bool argsDefaultEmpty = false)
    {
        if (call is not PythonDict c) return null;
        object? args = c.TryGetValue("arguments", out var a) ? a : (argsDefaultEmpty ? new PythonDict() : null);
        if (normalizeArgs is not null) args = normalizeArgs(args);
        return PyCompat.Canon(new PythonDict { ["name"] = c.GetValueOrDefault("name"), ["arguments"] = args });
    }

    /// <summary>A name's identity for set logic (names are normally strings; anything else by its JSON).</summary>
    public static string NameId(object? name) => name as string ?? PyCompat.Canon(name);

    /// <summary>The set of names of dict calls that have a "name".</summary>
    public static HashSet<string> Names(IEnumerable<object?> calls) =>
        calls.OfType<PythonDict>().Where(c => c.ContainsKey("name")).Select(c => NameId(c["name"])).ToHashSet(StringComparer.Ordinal);

    public static HashSet<string> Keys(IEnumerable<object?> calls, Func<object?, string?> key) =>
        calls.Select(key).Where(k => k is not null).Select(k => k!).ToHashSet(StringComparer.Ordinal);

    public static List<string> SortedTruthyKeys(IEnumerable<object?> calls, Func<object?, string?> key) =>
        calls.Select(key).Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).OrderBy(k => k, StringComparer.Ordinal).ToList();

    /// <summary>A parsed prediction as upstream treats it: a list stays, a dict becomes [dict], anything else [].</summary>
    public static List<object?> AsCalls(object? parsed) => parsed switch
    {
        List<object?> list => list,
        PythonDict d => [d],
        _ => [],
    };

    /// <summary>name → arguments of each ref call with that name (first one first); "arguments" defaults to {}.</summary>
    public static Dictionary<string, List<object?>> RefArgsByName(IEnumerable<object?> refCalls)
    {
        var byName = new Dictionary<string, List<object?>>(StringComparer.Ordinal);
        foreach (var c in refCalls.OfType<PythonDict>().Where(c => c.ContainsKey("name")))
        {
            var id = NameId(c["name"]);
            if (!byName.TryGetValue(id, out var l)) byName[id] = l = [];
            l.Add(c.GetValueOrDefault("arguments", new PythonDict()));
        }
        return byName;
    }

    /// <summary><c>set((x or {}).keys())</c>, treating non-dict truthy values as having no keys (upstream would crash).</summary>
    public static HashSet<string> DictKeys(object? v) =>
        v is PythonDict d ? d.Keys.ToHashSet(StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);

    public static double F1(int tp, int fp, int fn) => 2.0 * tp / Math.Max(2 * tp + fp + fn, 1);
}
