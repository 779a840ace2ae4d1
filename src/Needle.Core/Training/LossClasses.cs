using System.Text.RegularExpressions;
using Needle.Core.Data;
using Needle.Core.Json;

namespace Needle.Core.Training;

/// <summary>Per-token loss class (needle-model.md §3.4). Marking takes the max of these ids, so Key beats Value beats Name.</summary>
public enum TokenClass : sbyte
{
    Base = 0,
    Name = 1,
    Value = 2,
    Key = 3,
}

/// <summary>
/// Upstream's <c>_token_classes_for_answer</c>: classes per character of the compact answer string, then aligned to
/// SentencePiece pieces with upstream's cursor walk (including its off-by-one from the dummy-prefix ▁ and its
/// over-advance on byte-fallback pieces: reproduced on purpose, see §3.4 and §10 #7).
/// </summary>
public static class LossClasses
{
    /// <summary>Classes for each char of <paramref name="answer"/> (the compact, ASCII-escaped answers JSON).</summary>
    public static sbyte[] CharClasses(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var cls = new sbyte[answer.Length];
        if (!PyJson.TryLoads(answer, out var parsed) || parsed is not PyJsonArray calls) return cls;
        foreach (var call in calls.Items.OfType<PyJsonObject>())
        {
            // Upstream would crash on a non-string name (re.escape); our reader rejects those, here they are skipped.
            if (call.GetString("name") is { Length: > 0 } name)
                MarkValue(answer, cls, "name", name, TokenClass.Name);
            if (call.Get("arguments", new PyJsonObject()) is PyJsonObject args)
            {
                foreach (var (k, v) in args.Entries)
                {
                    MarkKey(answer, cls, k, TokenClass.Key);
                    // Non-strings are dumped with the default (spaced) separators, so nested values never match.
                    string vStr = v is PyJsonString s ? s.Value : PyJson.DumpsSpaced(v);
                    MarkValue(answer, cls, k, vStr, TokenClass.Value);
                }
            }
        }
        return cls;
    }

    /// <summary>
    /// Aligns char classes to the first <paramref name="tokenCount"/> pieces (piece strings as the tokenizer returns them,
    /// ▁ for spaces). Returns one class per token.
    /// </summary>
    public static sbyte[] AlignToPieces(string answer, ReadOnlySpan<sbyte> charClasses, IReadOnlyList<string> pieces, int tokenCount)
    {
        var outCls = new sbyte[tokenCount];
        int pos = 0;
        for (int i = 0; i < pieces.Count && i < tokenCount; i++)
        {
            int len = pieces[i].Replace('\u2581', ' ').Length;
            if (len > 0 && pos + len <= answer.Length)
            {
                sbyte m = 0;
                foreach (var c in charClasses.Slice(pos, len)) m = Math.Max(m, c);
                outCls[i] = m;
                pos += len;
            }
            else pos += Math.Max(len, 1);
        }
        return outCls;
    }

    /// <summary>Token classes for the answer's tokens, re-encoding the answer to pieces like upstream.</summary>
    public static sbyte[] ForAnswer(string answer, int tokenCount, Tokenization.ITokenizer tokenizer) =>
        ForAnswerIds(answer, tokenizer.Encode(answer), tokenCount, tokenizer);

    /// <summary>As <see cref="ForAnswer"/>, reusing the answer's full (untruncated) encoding.</summary>
    public static sbyte[] ForAnswerIds(string answer, ReadOnlySpan<int> answerIds, int tokenCount, Tokenization.ITokenizer tokenizer)
    {
        var pieces = new List<string>(answerIds.Length);
        foreach (int id in answerIds) pieces.Add(tokenizer.IdToPiece(id));
        return AlignToPieces(answer, CharClasses(answer), pieces, tokenCount);
    }

    private static void Mark(sbyte[] cls, int start, int end, TokenClass c)
    {
        end = Math.Min(end, cls.Length);
        for (int i = Math.Max(start, 0); i < end; i++) cls[i] = Math.Max(cls[i], (sbyte)c);
    }

    // Every "key": occurrence gets the key class (keys are marked everywhere, names/values only at the first match).
    private static void MarkKey(string s, sbyte[] cls, string key, TokenClass c)
    {
        foreach (Match m in Regex.Matches(s, "\"" + Regex.Escape(key) + "\"\\s*:", RegexOptions.CultureInvariant))
            Mark(cls, m.Index + 1, m.Index + 1 + key.Length, c);
    }

    private static void MarkValue(string s, sbyte[] cls, string key, string value, TokenClass c)
    {
        string k = "\"" + Regex.Escape(key) + "\"\\s*:\\s*";
        var m = Regex.Match(s, k + "\"" + Regex.Escape(value) + "\"", RegexOptions.CultureInvariant);
        if (m.Success)
        {
            int keyLen = key.Length + 2;
            string tail = s.Substring(m.Index + keyLen, m.Length - keyLen);
            int start = m.Index + keyLen + tail.IndexOf("\"" + value + "\"", StringComparison.Ordinal) + 1;
            Mark(cls, start, start + value.Length, c);
            return;
        }
        m = Regex.Match(s, k + Regex.Escape(value), RegexOptions.CultureInvariant);
        if (!m.Success) return;
        int vs = m.Index + s.Substring(m.Index, m.Length).IndexOf(':', StringComparison.Ordinal) + 1;
        int end = m.Index + m.Length;
        while (vs < end && s[vs] == ' ') vs++;
        Mark(cls, vs, end, c);
    }
}
