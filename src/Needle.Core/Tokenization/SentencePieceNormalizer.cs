namespace Needle.Core.Tokenization;

/// <summary>
/// sentencepiece's normalizer.cc on UTF-8 bytes: user-defined symbols pass through untouched, the precompiled
/// charsmap (if any) rewrites the longest matching prefix, invalid UTF-8 becomes U+FFFD byte by byte, and then the
/// three NormalizerSpec flags apply:
/// - remove_extra_whitespaces: drop leading and trailing spaces and collapse runs of ' ' to one;
/// - add_dummy_prefix: put one space in front (or behind, with treat_whitespace_as_suffix);
/// - escape_whitespaces: write every ' ' as U+2581 "▁".
/// Only U+0020 counts as whitespace here: tabs, newlines and U+3000 are ordinary characters.
/// </summary>
internal sealed class SentencePieceNormalizer
{
    /// <summary>U+2581 LOWER ONE EIGHTH BLOCK in UTF-8.</summary>
    public static ReadOnlySpan<byte> SpaceSymbol => [0xE2, 0x96, 0x81];

    private readonly PrecompiledCharsMap? _charsMap;
    private readonly UserSymbolMatcher? _userSymbols;
    private readonly bool _addDummyPrefix, _removeExtraWhitespaces, _escapeWhitespaces, _treatWhitespaceAsSuffix;

    public SentencePieceNormalizer(ProtoNormalizerSpec spec, PrecompiledCharsMap? charsMap, UserSymbolMatcher? userSymbols,
        bool treatWhitespaceAsSuffix)
    {
        _charsMap = charsMap;
        _userSymbols = userSymbols is { IsEmpty: false } ? userSymbols : null;
        _addDummyPrefix = spec.AddDummyPrefix;
        _removeExtraWhitespaces = spec.RemoveExtraWhitespaces;
        _escapeWhitespaces = spec.EscapeWhitespaces;
        _treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
    }

    /// <summary>Normalizes <paramref name="input"/> into <paramref name="output"/> (grown as needed); returns the length.</summary>
    public int Normalize(ReadOnlySpan<byte> input, ref byte[] output)
    {
        if (input.IsEmpty) return 0;
        if (_removeExtraWhitespaces)
        {
            // Leading spaces: only a prefix that normalizes to exactly " " counts.
            while (!input.IsEmpty)
            {
                var consumed = NormalizePrefix(input, out var piece);
                if (!piece.SequenceEqual(" "u8)) break;
                input = input[consumed..];
            }
            if (input.IsEmpty) return 0;
        }

        // Worst case: every input byte becomes "▁" or U+FFFD (3 bytes), plus the dummy prefix;
        // charsmap replacements may be longer, so growth is also checked per piece below.
        var length = 0;
        Ensure(ref output, input.Length * 3 + 3);
        if (!_treatWhitespaceAsSuffix && _addDummyPrefix) AppendSpace(ref output, ref length);

        var isPrevSpace = _removeExtraWhitespaces;
        while (!input.IsEmpty)
        {
            var consumed = NormalizePrefix(input, out var piece);
            while (isPrevSpace && !piece.IsEmpty && piece[0] == (byte)' ') piece = piece[1..];
            if (!piece.IsEmpty)
            {
                Ensure(ref output, length + piece.Length * 3 + 3);
                foreach (var b in piece)
                {
                    if (_escapeWhitespaces && b == (byte)' ') AppendSpace(ref output, ref length);
                    else output[length++] = b;
                }
                isPrevSpace = piece[^1] == (byte)' ';
            }
            input = input[consumed..];
            if (!_removeExtraWhitespaces) isPrevSpace = false;
        }

        if (_removeExtraWhitespaces)
        {
            // Trailing spaces (escaped or not). A literal "▁" in the text is indistinguishable and goes too.
            var space = _escapeWhitespaces ? SpaceSymbol : " "u8;
            while (output.AsSpan(0, length).EndsWith(space)) length -= space.Length;
        }

        Ensure(ref output, length + 3);
        if (_treatWhitespaceAsSuffix && _addDummyPrefix) AppendSpace(ref output, ref length);
        return length;
    }

    /// <summary>NormalizePrefix: how many input bytes the next unit consumes, and what it normalizes to.</summary>
    private int NormalizePrefix(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> normalized)
    {
        if (_userSymbols is not null)
        {
            var symbol = _userSymbols.Match(input);
            if (symbol > 0)
            {
                normalized = input[..symbol];
                return symbol;
            }
        }
        if (_charsMap is not null)
        {
            var matched = _charsMap.LongestPrefix(input, out normalized);
            if (matched > 0) return matched;
        }
        if (!Utf8Rules.TryDecode(input, out var charLength))
        {
            normalized = Utf8Rules.ReplacementCharacter;
            return 1;
        }
        normalized = input[..charLength];
        return charLength;
    }

    private void AppendSpace(ref byte[] output, ref int length)
    {
        if (_escapeWhitespaces)
        {
            SpaceSymbol.CopyTo(output.AsSpan(length));
            length += 3;
        }
        else
        {
            output[length++] = (byte)' ';
        }
    }

    private static void Ensure(ref byte[] buffer, int size)
    {
        if (buffer.Length < size) Array.Resize(ref buffer, Math.Max(size, buffer.Length * 2));
    }
}
