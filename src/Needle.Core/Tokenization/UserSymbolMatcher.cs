namespace Needle.Core.Tokenization;

/// <summary>
/// sentencepiece's PrefixMatcher over the user-defined symbols: the longest symbol that starts the input, else
/// one UTF-8 character (by its lead byte, like string_util::OneCharLen).
/// </summary>
internal sealed class UserSymbolMatcher
{
    private readonly byte[][]?[] _byFirstByte = new byte[][]?[256];  // longest first

    public UserSymbolMatcher(IEnumerable<byte[]> symbols)
    {
        foreach (var group in symbols.Where(s => s.Length > 0).GroupBy(s => s[0]))
            _byFirstByte[group.Key] = group.OrderByDescending(s => s.Length).ToArray();
    }

    public bool IsEmpty => _byFirstByte.All(g => g is null);

    /// <summary>Length of the longest user symbol at the start of <paramref name="input"/>, or 0.</summary>
    public int Match(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return 0;
        var candidates = _byFirstByte[input[0]];
        if (candidates is null) return 0;
        foreach (var symbol in candidates)
            if (input.StartsWith(symbol)) return symbol.Length;
        return 0;
    }

    /// <summary>The user symbol length, or else one character; sets <paramref name="found"/> like PrefixMatch.</summary>
    public int PrefixMatch(ReadOnlySpan<byte> input, out bool found)
    {
        var length = Match(input);
        found = length > 0;
        return found ? length : Math.Min(input.Length, Utf8Rules.OneCharLen(input[0]));
    }
}
