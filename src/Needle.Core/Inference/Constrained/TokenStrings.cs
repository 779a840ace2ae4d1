using Needle.Core.Tokenization;

namespace Needle.Core.Inference.Constrained;

/// <summary>
/// The text each vocabulary id contributes to the output, as constrained decoding sees it (needle-model.md §7):
/// control and unknown ids → "", byte pieces &lt;0xNN&gt; → the single char NN (Latin-1, not UTF-8), other pieces
/// with ▁ → space (user symbols such as &lt;tool_call&gt; stay literal). Plus a first-char index over the non-empty ones.
/// </summary>
public sealed class TokenStrings
{
    /// <summary>PAD, EOS, BOS and UNK (needle-model.md §0) render as nothing.</summary>
    private const int FirstOrdinaryId = 4;

    private readonly string[] _strings;
    private readonly Dictionary<char, int[]> _byFirstChar;

    public TokenStrings(IReadOnlyList<string> strings)
    {
        _strings = [.. strings];
        _byFirstChar = _strings.Select((s, id) => (s, id)).Where(p => p.s.Length > 0)
            .GroupBy(p => p.s[0]).ToDictionary(g => g.Key, g => g.Select(p => p.id).ToArray());
    }

    public int Count => _strings.Length;
    public string this[int id] => _strings[id];

    /// <summary>Ids whose string starts with <paramref name="first"/>, ascending.</summary>
    public ReadOnlySpan<int> StartingWith(char first) => _byFirstChar.TryGetValue(first, out var ids) ? ids : [];

    /// <summary>Builds the table; for other tokenizers from piece strings: ids 0–3 are Needle's PAD/EOS/BOS/UNK; byte pieces are recognized by their spelling.</summary>
    public static TokenStrings FromTokenizer(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        // The SentencePiece tokenizer knows each piece's type (control, unknown, byte) from the model file.
        if (tokenizer is SentencePieceTokenizer sp)
            return new TokenStrings(Enumerable.Range(0, sp.VocabSize).Select(sp.PieceText).ToArray());
        var strings = new string[tokenizer.VocabSize];
        for (int id = 0; id < strings.Length; id++)
            strings[id] = id < FirstOrdinaryId ? "" : PieceText(tokenizer.IdToPiece(id));
        return new TokenStrings(strings);
    }

    internal static string PieceText(string piece)
    {
        if (piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && IsHex(piece[3]) && IsHex(piece[4]))
            return ((char)Convert.ToInt32(piece.Substring(3, 2), 16)).ToString();
        return piece.Replace('\u2581', ' ');
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigitUpper(c) || char.IsAsciiDigit(c);
}
