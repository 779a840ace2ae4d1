using System.Text;

namespace Needle.Synthesis.Offline;

/// <summary>Splits identifiers (snake_case, camelCase, kebab-case, dotted) into lowercase words.</summary>
internal static class Words
{
    public static List<string> Split(string identifier)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        for (var i = 0; i < identifier.Length; i++)
        {
            var c = identifier[i];
            if (c is '_' or '-' or '.' or ' ')
            {
                Flush();
                continue;
            }
            if (char.IsUpper(c) && sb.Length > 0 && (char.IsLower(identifier[i - 1]) || i + 1 < identifier.Length && char.IsLower(identifier[i + 1]))) Flush();
            sb.Append(char.ToLowerInvariant(c));
        }
        Flush();
        return words;

        void Flush()
        {
            if (sb.Length > 0) words.Add(sb.ToString());
            sb.Clear();
        }
    }

    /// <summary>"max_results" → "max results".</summary>
    public static string Spoken(string identifier) => string.Join(' ', Split(identifier));
}
