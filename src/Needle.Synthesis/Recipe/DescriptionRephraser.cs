using Needle.Core.Tools;

namespace Needle.Synthesis.Recipe;

/// <summary>
/// Upstream's description variants (A5.4): one of ten small rewrites per tool description, and each parameter
/// description rewritten with probability 0.3, so training data sees wording variants of the user's descriptions.
/// </summary>
public static class DescriptionRephraser
{
    public static ToolDefinition Rephrase(ToolDefinition tool, Random rng) => tool with
    {
        Description = Apply(tool.Description, rng.Next(10)),
        Parameters = tool.Parameters.Select(p => rng.NextDouble() < 0.3 ? p with { Description = Apply(p.Description, rng.Next(10)) } : p).ToList(),
    };

    internal static string Apply(string text, int variant)
    {
        if (text.Length == 0) return text;
        switch (variant)
        {
            case 3:
                return text.EndsWith('.') ? text : text + ".";
            case 4:
                return char.ToUpperInvariant(text[0]) + text[1..];
            case 5:
                var first = text.IndexOf(". ", StringComparison.Ordinal);
                return first > 0 && text.IndexOf(". ", first + 2, StringComparison.Ordinal) > 0 || (first > 0 && text.EndsWith('.'))
                    ? text[..first] + "," + text[(first + 1)..]
                    : text;
            case 6:
                var end = text.IndexOf(". ", StringComparison.Ordinal);
                return end > 0 ? text[..(end + 1)] : text;
            case 7:
                var the = text.IndexOf(" the ", StringComparison.Ordinal);
                return the >= 0 ? text[..the] + " a " + text[(the + 5)..] : text;
            case 8:
                return text.StartsWith("Enable or disable", StringComparison.Ordinal) ? "Toggle" + text["Enable or disable".Length..] : text;
            case 9:
                return text.StartsWith("Turn ", StringComparison.Ordinal) ? "Switch " + text[5..] : text;
            default:
                return text; // identity ×3, as upstream
        }
    }
}
