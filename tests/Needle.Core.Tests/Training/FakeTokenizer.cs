using System.Text;
using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Training;

/// <summary>
/// A SentencePiece-like tokenizer whose pieces the test controls: dummy-prefix ▁, spaces as ▁, greedy longest match
/// over <c>pieces</c>, single chars otherwise, UTF-8 byte fallback (&lt;0xNN&gt;) for non-ASCII, user symbols
/// &lt;tool_call&gt;=4 and &lt;tools&gt;=5. Ids are handed out on first use.
/// </summary>
internal sealed class FakeTokenizer : ITokenizer
{
    private static readonly string[] Specials = ["<pad>", "</s>", "<s>", "<unk>", "<tool_call>", "<tools>"];
    private readonly List<string> _pieces = [.. Specials];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly string[] _multi;

    public FakeTokenizer(params string[] multiCharPieces)
    {
        for (int i = 0; i < _pieces.Count; i++) _ids[_pieces[i]] = i;
        _multi = multiCharPieces.OrderByDescending(p => p.Length).ToArray();
    }

    public int VocabSize => 8192;

    private int Id(string piece)
    {
        if (!_ids.TryGetValue(piece, out int id)) { id = _pieces.Count; _pieces.Add(piece); _ids[piece] = id; }
        return id;
    }

    public int[] Encode(string text)
    {
        var ids = new List<int>();
        string s = "\u2581" + text.Replace(' ', '\u2581');
        int i = 0;
        while (i < s.Length)
        {
            string? user = new[] { "<tool_call>", "<tools>" }.FirstOrDefault(u => string.CompareOrdinal(s, i, u, 0, u.Length) == 0);
            if (user is not null) { ids.Add(_ids[user]); i += user.Length; continue; }
            string? m = _multi.FirstOrDefault(p => string.CompareOrdinal(s, i, p, 0, p.Length) == 0);
            if (m is not null) { ids.Add(Id(m)); i += m.Length; continue; }
            char c = s[i];
            if (c < 0x80 || c == '\u2581') { ids.Add(Id(c.ToString())); i++; continue; }
            int len = char.IsSurrogatePair(s, i) ? 2 : 1;
            foreach (byte b in Encoding.UTF8.GetBytes(s.Substring(i, len))) ids.Add(Id($"<0x{b:X2}>"));
            i += len;
        }
        return [.. ids];
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder();
        foreach (int id in ids) if (id > 3) sb.Append(_pieces[id]);
        return sb.ToString().Replace('\u2581', ' ').TrimStart(' ');
    }

    public string IdToPiece(int id) => _pieces[id];

    public int PieceToId(string piece) => _ids.TryGetValue(piece, out int id) ? id : 3;
}
