using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>Pieces shared by the three upstream scorers (§6.1–6.3): call keys, name sets, parsing predictions.</summary>
internal static class ToolCallScoring
{
    /// <summary>
    /// <c>_call_key</c>: canonical JSON of <c>{"name", "arguments"}</c>; null for non-dicts. <paramref name="argsDefaultEmpty"/>
    /// says what a missing "arguments" becomes ({} in the benchmark, None in finetune/train); a missing "name" is None.
    /// </summary>
    public static string? CallKey(PyJsonValue call, Func<PyJsonValue, PyJsonValue>? normalizeArgs = null, bool argsDefaultEmpty = false)
    {
        if (call is not PyJsonObject c) return null;
        var args = c.Get("arguments", argsDefaultEmpty ? new PyJsonObject() : PyJsonNull.Instance);
        if (normalizeArgs is not null) args = normalizeArgs(args);
        return PyCompat.Canon(new PyJsonObject { ["name"] = c.Get("name", PyJsonNull.Instance), ["arguments"] = args });
    }

    /// <summary>A name's identity for set logic (names are normally strings; anything else by its JSON).</summary>
    public static string NameId(PyJsonValue name) => name is PyJsonString s ? s.Value : PyCompat.Canon(name);

    /// <summary>The dict calls that have a "name", with it.</summary>
    public static IEnumerable<(PyJsonObject Call, PyJsonValue Name)> Named(IEnumerable<PyJsonValue> calls) =>
        calls.OfType<PyJsonObject>().Where(c => c.ContainsKey("name")).Select(c => (c, c["name"]!));

    /// <summary>The set of names of dict calls that have a "name".</summary>
    public static HashSet<string> Names(IEnumerable<PyJsonValue> calls) =>
        Named(calls).Select(c => NameId(c.Name)).ToHashSet(StringComparer.Ordinal);

    public static HashSet<string> Keys(IEnumerable<PyJsonValue> calls, Func<PyJsonValue, string?> key) =>
        calls.Select(key).Where(k => k is not null).Select(k => k!).ToHashSet(StringComparer.Ordinal);

    public static List<string> SortedTruthyKeys(IEnumerable<PyJsonValue> calls, Func<PyJsonValue, string?> key) =>
        calls.Select(key).Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).OrderBy(k => k, StringComparer.Ordinal).ToList();

    /// <summary>A parsed prediction as upstream treats it: a list stays, a dict becomes [dict], anything else [].</summary>
    public static List<PyJsonValue> AsCalls(PyJsonValue parsed) => parsed switch
    {
        PyJsonArray list => list.Items,
        PyJsonObject d => [d],
        _ => [],
    };

    /// <summary>A call's "arguments", {} when absent (a present JSON null stays null, as <c>c.get("arguments", {})</c>).</summary>
    public static PyJsonValue ArgumentsOrEmpty(PyJsonObject call) => call.Get("arguments", new PyJsonObject());

    /// <summary>name → arguments of each ref call with that name (first one first); "arguments" defaults to {}.</summary>
    public static Dictionary<string, List<PyJsonValue>> RefArgsByName(IEnumerable<PyJsonValue> refCalls)
    {
        var byName = new Dictionary<string, List<PyJsonValue>>(StringComparer.Ordinal);
        foreach (var (c, name) in Named(refCalls))
        {
            var id = NameId(name);
            if (!byName.TryGetValue(id, out var l)) byName[id] = l = [];
            l.Add(ArgumentsOrEmpty(c));
        }
        return byName;
    }

    /// <summary><c>set((x or {}).keys())</c>, treating non-dict truthy values as having no keys (upstream would crash).</summary>
    public static HashSet<string> DictKeys(PyJsonValue? v) =>
        v is PyJsonObject d ? d.Keys.ToHashSet(StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);

    public static double F1(int tp, int fp, int fn) => 2.0 * tp / Math.Max(2 * tp + fp + fn, 1);
}
