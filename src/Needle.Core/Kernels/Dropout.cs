using System.Runtime.CompilerServices;

namespace Needle.Core.Kernels;

/// <summary>
/// Inverted dropout with a counter-based mask: element i of stream <c>key</c> is kept iff its 16-bit uniform
/// u(key, i) ≥ p·2¹⁶ (one 64-bit hash serves four consecutive elements), and kept values are scaled by 1/(1−p)
/// (as Flax does). The mask is a pure function of (key, i), so the backward
/// pass regenerates it instead of storing it, and results do not depend on threading.
/// </summary>
public static class Dropout
{
    /// <summary>A stream key from the run seed, the step and the sublayer id.</summary>
    public static ulong Key(long seed, long step, int stream) =>
        Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)step + 0x632BE59BD9B4E019UL) ^ ((ulong)(uint)stream << 32));

    /// <summary>x ← x ⊙ mask / (1 − p), in place. Used for both the forward (on values) and the backward (on gradients).</summary>
    public static void Apply(Span<float> x, float p, ulong key, long offset = 0)
    {
        if (p <= 0f) return;
        if (p >= 1f) { x.Clear(); return; }
        var threshold = Threshold(p);
        var scale = 1f / (1f - p);
        var idx = offset;
        var i = 0;
        while (i < x.Length)
        {
            var h = Hash(key, idx >> 2);
            for (var lane = (int)(idx & 3); lane < 4 && i < x.Length; lane++, i++, idx++)
                x[i] = ((uint)(h >> (16 * lane)) & 0xFFFF) >= threshold ? x[i] * scale : 0f;
        }
    }

    /// <summary>Whether element i of the stream is kept (the reference for one element).</summary>
    public static bool Kept(float p, ulong key, long i) =>
        p <= 0f || (p < 1f && ((uint)(Hash(key, i >> 2) >> (16 * (int)(i & 3))) & 0xFFFF) >= Threshold(p));

    private static uint Threshold(float p) => (uint)Math.Min(65535.0, Math.Round(p * 65536.0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(ulong key, long block) => Mix(key + (ulong)block * 0x9E3779B97F4A7C15UL);

    /// <summary>SplitMix64 finalizer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
