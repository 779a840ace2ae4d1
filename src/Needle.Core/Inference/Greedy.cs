namespace Needle.Core.Inference;

/// <summary>Greedy token choice with numpy's argmax semantics.</summary>
public static class Greedy
{
    /// <summary>The first index of the maximum; a NaN counts as the maximum (numpy returns the first NaN).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty) throw new ArgumentException("No logits to choose from.", nameof(logits));
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
