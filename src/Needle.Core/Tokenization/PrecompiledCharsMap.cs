using System.Buffers.Binary;

namespace Needle.Core.Tokenization;

/// <summary>
/// NormalizerSpec.precompiled_charsmap: &lt;uint32 trie size&gt;&lt;darts-clone double array&gt;&lt;NUL-separated replacements&gt;.
/// The double array maps a UTF-8 prefix of the input to the offset of its replacement (e.g. NFKC rules).
/// Identity models have no charsmap; nmt_nfkc models (sentencepiece's default) do.
/// Every array access is bounds-checked, so a corrupt trie gives "no rule" instead of a crash.
/// </summary>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _replacements;

    private PrecompiledCharsMap(uint[] units, byte[] replacements)
    {
        _units = units;
        _replacements = replacements;
    }

    /// <summary>Null for an empty blob (no normalization rules); throws for a broken one.</summary>
    public static PrecompiledCharsMap? Parse(byte[] blob, string nameForErrors)
    {
        if (blob.Length == 0) return null;
        if (blob.Length <= 4 || BinaryPrimitives.ReadUInt32LittleEndian(blob) >= (uint)blob.Length)
            throw TokenizerErrors.BadModel(nameForErrors, "the normalizer's precompiled_charsmap is broken");
        var trieSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize > blob.Length - 4)
            throw TokenizerErrors.BadModel(nameForErrors, "the normalizer's precompiled_charsmap trie exceeds the blob");
        var units = new uint[trieSize / 4];
        for (var i = 0; i < units.Length; i++) units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(4 + 4 * i));
        return new PrecompiledCharsMap(units, blob[(4 + trieSize)..]);
    }

    /// <summary>
    /// The longest rule matching a prefix of <paramref name="input"/>: its length in input bytes (0 for none) and
    /// its replacement (bytes up to the next NUL).
    /// </summary>
    public int LongestPrefix(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        var longest = 0;
        var value = -1;
        if (_units.Length == 0) return 0;
        long node = Offset(_units[0]);
        for (var i = 0; i < input.Length; i++)
        {
            var label = input[i];
            node ^= label;
            if ((ulong)node >= (ulong)_units.Length) break;
            var unit = _units[node];
            if ((unit & 0x800000FFu) != label) break;  // label() compares with the high bit: leaf units never match
            node ^= Offset(unit);
            if (((unit >> 8) & 1) != 0)
            {
                if ((ulong)node >= (ulong)_units.Length) break;
                longest = i + 1;
                value = (int)(_units[node] & 0x7FFFFFFFu);
            }
        }
        if (longest == 0 || value >= _replacements.Length) return 0;
        var rest = _replacements.AsSpan(value);
        var end = rest.IndexOf((byte)0);
        replacement = end < 0 ? rest : rest[..end];
        return longest;
    }

    private static long Offset(uint unit) => (long)(unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
