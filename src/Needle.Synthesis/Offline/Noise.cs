using System.Text;

namespace Needle.Synthesis.Offline;

/// <summary>
/// Surface variation applied to the non-value text of a query only, so argument values stay verbatim:
/// casing and punctuation, speech disfluencies (fillers, false starts, hedges) and typos (swaps, drops, doubles,
/// merged words, homophones).
/// </summary>
internal static class Noise
{
    private static readonly string[] Openers = ["um", "uh", "so", "okay so", "hmm", "ah", "well", "right, so", "er"];
    private static readonly string[] Fillers = ["like", "you know", "I mean", "uh", "um", "kind of", "sort of", "basically"];
    private static readonly string[] FalseStarts = ["can you— actually,", "wait,", "let me think,", "I want— no,", "could you, um,"];
    private static readonly string[] Trailers = ["I think", "or something", "if that makes sense", "yeah", "please, I guess", "...thanks"];
    private static readonly (string, string)[] Homophones = [("to", "too"), ("your", "you're"), ("there", "their"), ("for", "four"), ("know", "no"), ("right", "write"), ("its", "it's")];

    public static Phrase Disfluent(Phrase phrase, Random rng)
    {
        var result = new Phrase();
        if (rng.Next(3) > 0) result.Text(ValueSampler.Pick(rng, Openers) + (rng.Next(2) == 0 ? ", " : " "));
        if (rng.Next(3) == 0) result.Text(ValueSampler.Pick(rng, FalseStarts) + " ");
        var fillersLeft = 1 + rng.Next(2);
        foreach (var s in phrase.Segments)
        {
            if (s.IsValue || fillersLeft == 0 || rng.Next(3) != 0) { result.Segments.Add(s); continue; }
            var words = s.Text.Split(' ');
            if (words.Length < 3) { result.Segments.Add(s); continue; }
            var at = 1 + rng.Next(words.Length - 2);
            var list = words.ToList();
            list.Insert(at, ValueSampler.Pick(rng, Fillers) + ",");
            result.Text(string.Join(' ', list));
            fillersLeft--;
        }
        if (rng.Next(3) == 0) result.Text(" " + ValueSampler.Pick(rng, Trailers));
        return result;
    }

    public static Phrase Typos(Phrase phrase, Random rng)
    {
        var edits = 1 + rng.Next(3);
        var segments = phrase.Segments.ToList();
        for (var attempt = 0; attempt < 20 && edits > 0; attempt++)
        {
            var candidates = Enumerable.Range(0, segments.Count).Where(i => !segments[i].IsValue && segments[i].Text.Any(char.IsLetter)).ToList();
            if (candidates.Count == 0) break;
            var idx = candidates[rng.Next(candidates.Count)];
            var changed = Corrupt(segments[idx].Text, rng);
            if (changed == segments[idx].Text) continue;
            segments[idx] = new Segment(changed, false);
            edits--;
        }
        var result = new Phrase();
        result.Segments.AddRange(segments);
        return result;
    }

    private static string Corrupt(string text, Random rng)
    {
        var words = text.Split(' ');
        var letterWords = Enumerable.Range(0, words.Length).Where(i => words[i].Length >= 3 && words[i].All(char.IsLetter)).ToList();
        if (letterWords.Count == 0) return text;
        var i = letterWords[rng.Next(letterWords.Count)];
        var w = words[i];
        switch (rng.Next(5))
        {
            case 0: // swap two adjacent letters
                var j = rng.Next(w.Length - 1);
                var chars = w.ToCharArray();
                (chars[j], chars[j + 1]) = (chars[j + 1], chars[j]);
                words[i] = new string(chars);
                break;
            case 1: // drop a letter
                words[i] = w.Remove(1 + rng.Next(w.Length - 1), 1);
                break;
            case 2: // double a letter
                var k = rng.Next(w.Length);
                words[i] = w.Insert(k, w[k].ToString());
                break;
            case 3: // merge with the next word
                if (i + 1 < words.Length && words[i + 1].Length > 0)
                {
                    words[i] += words[i + 1];
                    words[i + 1] = "";
                }
                break;
            default: // homophone, else a dropped letter
                var hit = Array.FindIndex(words, x => Homophones.Any(h => h.Item1 == x.ToLowerInvariant()));
                if (hit >= 0) words[hit] = Homophones.First(h => h.Item1 == words[hit].ToLowerInvariant()).Item2;
                else words[i] = w.Remove(rng.Next(w.Length), 1);
                break;
        }
        return string.Join(' ', words.Where((x, n) => x.Length > 0 || n == 0 || n == words.Length - 1));
    }

    /// <summary>Final casing and punctuation: lowercase-only text sometimes, a capital first letter otherwise.</summary>
    public static string Finish(Phrase phrase, Random rng, bool question)
    {
        var lower = rng.Next(4) == 0;
        var sb = new StringBuilder();
        foreach (var s in phrase.Segments) sb.Append(s.IsValue || !lower ? s.Text : s.Text.ToLowerInvariant());
        var text = Phrase.CollapseSpaces(sb.ToString()).TrimEnd(',', ' ', ':');
        if (text.Length == 0) return text;
        if (!lower && char.IsLower(text[0])) text = char.ToUpperInvariant(text[0]) + text[1..];
        var trailed = Trailers.Any(t => text.EndsWith(t, StringComparison.OrdinalIgnoreCase));
        if (!trailed && !text.EndsWith('?') && !text.EndsWith('!') && !text.EndsWith('.') && !text.EndsWith('"'))
            text += question ? ValueSampler.Pick(rng, "?", "?", "") : ValueSampler.Pick(rng, "", ".", "!", "", " please", " thanks", ", thank you");
        return text;
    }
}
