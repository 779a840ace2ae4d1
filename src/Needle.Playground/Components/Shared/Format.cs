using System.Globalization;
using System.Text.Json;

namespace Needle.Playground.Components.Shared;

/// <summary>How the pages print sizes, times and metrics.</summary>
public static class Format
{
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    /// <summary>UTC, sortable; app.js rewrites it in the browser's local time (the ISO value is in datetime).</summary>
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan? span) => span switch
    {
        null => "—",
        { TotalSeconds: < 60 } s => string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0.0} s"),
        { TotalHours: < 1 } s => $"{(int)s.TotalMinutes} min {s.Seconds} s",
        var s => $"{(int)s.Value.TotalHours} h {s.Value.Minutes} min",
    };

    /// <summary>The top-level fields of a metrics object as (name, value) pairs; nested objects stay JSON.</summary>
    public static IEnumerable<(string Name, string Value)> Metrics(JsonElement? metrics)
    {
        if (metrics is not { ValueKind: JsonValueKind.Object } m) yield break;
        // Nested objects (a finetune's eval details) have their own panel; the table shows the scalars.
        foreach (var p in m.EnumerateObject().Where(p => p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null)))
            yield return (p.Name, p.Value.ValueKind switch
            {
                JsonValueKind.Number => p.Value.TryGetInt64(out var l) ? l.ToString(CultureInfo.InvariantCulture)
                    : p.Value.GetDouble() is var d && d != 0 && Math.Abs(d) < 1e-3 ? d.ToString("0.###e0", CultureInfo.InvariantCulture)
                    : d.ToString("0.####", CultureInfo.InvariantCulture),
                JsonValueKind.String => p.Value.GetString() ?? "",
                JsonValueKind.True => "yes",
                JsonValueKind.False => "no",
                _ => p.Value.GetRawText(),
            });
    }

    /// <summary>Route segments escaped one by one, so "bundles/x.zip" stays a two-segment path.</summary>
    public static string PathSegments(string name) => string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
}
