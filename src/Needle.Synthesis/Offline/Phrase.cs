using System.Text;

namespace Needle.Synthesis.Offline;

/// <summary>A run of query text; values are marked so noise (typos, casing, fillers) never touches them.</summary>
internal readonly record struct Segment(string Text, bool IsValue);

/// <summary>A query under construction: segments in order.</summary>
internal sealed class Phrase
{
    public List<Segment> Segments { get; } = [];

    public Phrase Text(string text) { if (text.Length > 0) Segments.Add(new Segment(text, false)); return this; }
    public Phrase Value(string text) { Segments.Add(new Segment(text, true)); return this; }
    public Phrase Append(Phrase other) { Segments.AddRange(other.Segments); return this; }

    public bool IsEmpty => Segments.Count == 0;

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var s in Segments) sb.Append(s.Text);
        return CollapseSpaces(sb.ToString());
    }

    internal static string CollapseSpaces(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c == ' ' && (sb.Length == 0 || sb[^1] == ' ')) continue;
            sb.Append(c);
        }
        var t = sb.ToString().Trim();
        return t.Replace(" ,", ",").Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ;", ";").Replace(" :", ":");
    }
}
