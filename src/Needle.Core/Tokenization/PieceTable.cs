using System.Buffers.Binary;
using System.Numerics;

namespace Needle.Core.Tokenization;

/// <summary>
/// A read-only map from UTF-8 piece bytes to ids, looked up by span so the BPE loop never builds strings.
/// Open addressing with linear probing over a power-of-two table kept at most half full.
/// </summary>
internal sealed class PieceTable
{
    private readonly byte[][] _keys;   // key of each id (the piece bytes)
    private readonly int[] _slots;     // id + 1, or 0 for an empty slot
    private readonly int[] _hashes;    // the hash of the key in each slot, to skip most byte comparisons
    private readonly int _mask;

    /// <summary>The longest key in bytes: longer spans are not looked up at all.</summary>
    public int MaxKeyLength { get; }

    /// <param name="keys">piece bytes of every id.</param>
    /// <param name="include">which ids belong to this table.</param>
    /// <param name="duplicate">receives the first id whose key is already in the table, or -1.</param>
    public PieceTable(byte[][] keys, Func<int, bool> include, out int duplicate)
    {
        _keys = keys;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, keys.Length * 2));
        _slots = new int[capacity];
        _hashes = new int[capacity];
        _mask = capacity - 1;
        duplicate = -1;
        for (var id = 0; id < keys.Length; id++)
        {
            if (!include(id)) continue;
            if (TryGet(keys[id]) >= 0)
            {
                if (duplicate < 0) duplicate = id;
                continue;
            }
            var hash = Hash(keys[id]);
            var slot = hash & _mask;
            while (_slots[slot] != 0) slot = (slot + 1) & _mask;
            _slots[slot] = id + 1;
            _hashes[slot] = hash;
            MaxKeyLength = Math.Max(MaxKeyLength, keys[id].Length);
        }
    }

    /// <summary>The id of the piece spelled by these bytes, or -1.</summary>
    public int TryGet(ReadOnlySpan<byte> key)
    {
        if (key.Length > MaxKeyLength) return -1;
        var hash = Hash(key);
        for (var slot = hash & _mask; ; slot = (slot + 1) & _mask)
        {
            var entry = _slots[slot];
            if (entry == 0) return -1;
            if (_hashes[slot] == hash && key.SequenceEqual(_keys[entry - 1])) return entry - 1;
        }
    }

    // 8 bytes at a time, multiply-rotate mixing; quality matters little at half load.
    private static int Hash(ReadOnlySpan<byte> key)
    {
        var h = 0x9E3779B97F4A7C15UL ^ (ulong)key.Length;
        while (key.Length >= 8)
        {
            h = BitOperations.RotateLeft((h ^ BinaryPrimitives.ReadUInt64LittleEndian(key)) * 0xFF51AFD7ED558CCDUL, 29);
            key = key[8..];
        }
        ulong tail = 0;
        for (var i = 0; i < key.Length; i++) tail |= (ulong)key[i] << (8 * i);
        h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 32;
        return (int)h & int.MaxValue;
    }
}
