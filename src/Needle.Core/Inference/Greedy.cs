using System.Runtime.Intrinsics;

namespace Needle.Core.Inference;

/// <summary>Greedy token choice with numpy's argmax semantics.</summary>
public static class Greedy
{
    /// <summary>
    /// The first index of the maximum; a NaN counts as the maximum (numpy returns the first NaN); 0 and −0 are equal.
    /// Vectorized in two passes over the (L1-resident) logits: the maximum (and any NaN), then its first index.
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty) throw new ArgumentException("No logits to choose from.", nameof(logits));
        if (!Vector512.IsHardwareAccelerated || logits.Length < 64) return ArgMaxScalar(logits);
        var i = 0;
        var max = Vector512.Create(float.NegativeInfinity);
        var nan = Vector512<float>.Zero;
        for (; i <= logits.Length - 16; i += 16)
        {
            var v = Vector512.Create(logits.Slice(i, 16));
            max = Vector512.Max(max, v);
            nan |= ~Vector512.Equals(v, v);
        }
        if (nan != Vector512<float>.Zero) return ArgMaxScalar(logits); // the first NaN: rare, so the scalar loop finds it
        var best = float.NegativeInfinity;
        for (var l = 0; l < 16; l++) best = Math.Max(best, max[l]);
        for (; i < logits.Length; i++)
        {
            if (float.IsNaN(logits[i])) return i;
            best = Math.Max(best, logits[i]);
        }
        // == treats 0 and −0 alike, like numpy's comparison.
        var target = Vector512.Create(best);
        for (i = 0; i <= logits.Length - 16; i += 16)
        {
            var hit = Vector512.Equals(Vector512.Create(logits.Slice(i, 16)), target).ExtractMostSignificantBits();
            if (hit != 0) return i + System.Numerics.BitOperations.TrailingZeroCount(hit);
        }
        for (; i < logits.Length; i++) if (logits[i] == best) return i;
        return 0; // unreachable: best is one of the values
    }

    private static int ArgMaxScalar(ReadOnlySpan<float> logits)
    {
        int best = 0;
        float bestValue = logits[0];
        if (float.IsNaN(bestValue)) return 0;
        for (int i = 1; i < logits.Length; i++)
        {
            float v = logits[i];
            if (float.IsNaN(v)) return i;
            if (v > bestValue) { bestValue = v; best = i; }
        }
        return best;
    }
}
