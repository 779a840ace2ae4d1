using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>
/// Inverted dropout with a counter-based mask: element i of stream <c>key</c> is kept iff its 16-bit uniform
/// u(key, i) ≥ p·2¹⁶ (one 64-bit hash serves four consecutive elements), and kept values are scaled by 1/(1−p)
/// (as Flax does). The mask is a pure function of (key, i), so the backward
/// pass regenerates it instead of storing it, and results do not depend on threading. With AVX-512 eight hashes
/// (32 elements) are computed per vector; the mask is the same integer function, so results are identical.
/// </summary>
public static class Dropout
{
    /// <summary>A stream key from the run seed, the step and the sublayer id.</summary>
    public static ulong Key(long seed, long step, int stream) =>
        Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)step + 0x632BE59BD9B4E019UL) ^ ((ulong)(uint)stream << 32));

    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>x ← x ⊙ mask / (1 − p), in place. Used for both the forward (on values) and the backward (on gradients).</summary>
    public static void Apply(Span<float> x, float p, ulong key, long offset = 0)
    {
        if (p <= 0f) return;
        if (p >= 1f) { x.Clear(); return; }
        var threshold = Threshold(p);
        var scale = 1f / (1f - p);
        var i = ApplyScalar(x, 0, Math.Min(x.Length, (int)((4 - (offset & 3)) & 3)), threshold, scale, key, offset);
        if (Simd.Level == SimdLevel.Vector512)
        {
            var sv = Vector512.Create(scale);
            for (; i <= x.Length - 32; i += 32)
            {
                KeepMasks(key, (offset + i) >> 2, threshold, out var lo, out var hi);
                var v = x.Slice(i, 32);
                Vector512.BitwiseAnd(Vector512.Create(v[..16]) * sv, lo).CopyTo(v);
                Vector512.BitwiseAnd(Vector512.Create(v[16..]) * sv, hi).CopyTo(v[16..]);
            }
        }
        ApplyScalar(x, i, x.Length, threshold, scale, key, offset);
    }

    /// <summary>Elements [i0, i1) one hash per 4; returns i1.</summary>
    private static int ApplyScalar(Span<float> x, int i0, int i1, uint threshold, float scale, ulong key, long offset)
    {
        var i = i0;
        var idx = offset + i0;
        while (i < i1)
        {
            var h = Hash(key, idx >> 2);
            for (var lane = (int)(idx & 3); lane < 4 && i < i1; lane++, i++, idx++)
                x[i] = ((uint)(h >> (16 * lane)) & 0xFFFF) >= threshold ? x[i] * scale : 0f;
        }
        return i1;
    }

    /// <summary>
    /// Keep masks (all ones = kept) of the 32 elements of blocks block … block+7 (elements 4·block …): lanes 0–15 in
    /// <paramref name="lo"/>, 16–31 in <paramref name="hi"/>. The 16-bit lane l of a block's hash is element 4·block+l,
    /// which is exactly the little-endian order of the eight 64-bit hashes read as 32 16-bit values. Vector512 only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KeepMasks(ulong key, long block, uint threshold, out Vector512<float> lo, out Vector512<float> hi)
    {
        var blocks = Vector512.Create((ulong)block) + Vector512<ulong>.Indices;
        var z = Vector512.Create(key) + blocks * Vector512.Create(Golden);
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * Vector512.Create(0x94D049BB133111EBUL);
        z ^= Vector512.ShiftRightLogical(z, 31);
        var (l, h) = Vector512.Widen(z.AsUInt16());
        var t = Vector512.Create(threshold);
        lo = Vector512.GreaterThanOrEqual(l, t).AsSingle();
        hi = Vector512.GreaterThanOrEqual(h, t).AsSingle();
    }

    /// <summary>Whether element i of the stream is kept (the reference for one element).</summary>
    public static bool Kept(float p, ulong key, long i) =>
        p <= 0f || (p < 1f && ((uint)(Hash(key, i >> 2) >> (16 * (int)(i & 3))) & 0xFFFF) >= Threshold(p));

    internal static uint Threshold(float p) => (uint)Math.Min(65535.0, Math.Round(p * 65536.0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(ulong key, long block) => Mix(key + (ulong)block * Golden);

    /// <summary>SplitMix64 finalizer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
