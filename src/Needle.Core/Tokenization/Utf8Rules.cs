namespace Needle.Core.Tokenization;

/// <summary>
/// sentencepiece's own UTF-8 rules (string_util), which differ from .NET's decoder on invalid input: an invalid
/// sequence is replaced one byte at a time by U+FFFD, and surrogates or overlong forms count as invalid.
/// </summary>
internal static class Utf8Rules
{
    public static ReadOnlySpan<byte> ReplacementCharacter => [0xEF, 0xBF, 0xBD];

    /// <summary>Bytes of the character starting with this lead byte, from its high nibble (1 for stray trail bytes).</summary>
    public static int OneCharLen(byte lead) => (lead >> 4) switch { < 12 => 1, 12 or 13 => 2, 14 => 3, _ => 4 };

    /// <summary>
    /// IsValidDecodeUTF8: whether the input starts with a well-formed character; <paramref name="length"/> is its
    /// length, or 1 when invalid.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> s, out int length)
    {
        length = 1;
        if (s.IsEmpty) return false;
        var b0 = s[0];
        if (b0 < 0x80) return true;
        if (s.Length >= 2 && (b0 & 0xE0) == 0xC0)
        {
            var cp = ((b0 & 0x1F) << 6) | (s[1] & 0x3F);
            if (IsTrail(s[1]) && cp >= 0x80 && IsValidCodepoint(cp)) { length = 2; return true; }
        }
        else if (s.Length >= 3 && (b0 & 0xF0) == 0xE0)
        {
            var cp = ((b0 & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
            if (IsTrail(s[1]) && IsTrail(s[2]) && cp >= 0x800 && IsValidCodepoint(cp)) { length = 3; return true; }
        }
        else if (s.Length >= 4 && (b0 & 0xF8) == 0xF0)
        {
            var cp = ((b0 & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
            if (IsTrail(s[1]) && IsTrail(s[2]) && IsTrail(s[3]) && cp >= 0x10000 && IsValidCodepoint(cp)) { length = 4; return true; }
        }
        return false;
    }

    private static bool IsTrail(byte b) => (b & 0xC0) == 0x80;

    private static bool IsValidCodepoint(int cp) => cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
}
