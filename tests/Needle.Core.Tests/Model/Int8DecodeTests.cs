using Needle.Core.Kernels;
using Needle.Core.Model;
using static Needle.Core.Tests.Model.ModelTestUtil;

namespace Needle.Core.Tests.Model;

/// <summary>Int8 decode weights (and float16 cross-attention K/V): close to float32, and the same model both ways.</summary>
public class Int8DecodeTests
{
    [Fact]
    public void Int8_cached_decoding_stays_close_to_float32_and_equals_its_own_teacher_forcing()
    {
        var weights = Weights(Tiny, 11);
        var i8 = new SimpleAttentionNetwork(weights, WeightPrecision.Int8);
        var f32 = new SimpleAttentionNetwork(weights, WeightPrecision.Float32);
        Assert.Equal(WeightPrecision.Int8, i8.DecodePrecision);
        Assert.True(i8.HalfCrossKv);
        var rng = new Random(12);
        int[][] src = [Tokens(rng, 9, Tiny.VocabSize), Tokens(rng, 5, Tiny.VocabSize)];
        int[][] tgt = [Tokens(rng, 18, Tiny.VocabSize), Tokens(rng, 18, Tiny.VocabSize)]; // > 16: the cache grows
        var v = Tiny.VocabSize;
        var reference = f32.Forward(src, tgt);
        var own = i8.Forward(src, tgt); // teacher forcing with the dequantized int8 weights (float32 cross K/V)
        using var e8 = i8.Encode(src);
        using var s8 = i8.StartDecoder(e8);
        var step = new float[2 * v];
        double worstRef = 0, worstOwn = 0;
        for (var t = 0; t < 18; t++)
        {
            i8.DecodeStep(s8, [tgt[0][t], tgt[1][t]], step);
            for (var b = 0; b < 2; b++)
            {
                worstRef = Math.Max(worstRef, RelErr(step.AsSpan(b * v, v), reference.Data.AsSpan((b * 18 + t) * v, v).ToArray().Select(x => (double)x)));
                worstOwn = Math.Max(worstOwn, RelErr(step.AsSpan(b * v, v), own.Data.AsSpan((b * 18 + t) * v, v).ToArray().Select(x => (double)x)));
            }
        }
        // Int8 weights (group 32): ~0.4% per weight, so logits move by a few 1e-3 relative; far below what garbage gives.
        Assert.True(worstRef is > 1e-6 and < 3e-2, $"int8 vs float32: relative error {worstRef}");
        // Only the float16 cross K/V and the int8 (not float32) logits matrix separate DecodeStep from teacher forcing.
        Assert.True(worstOwn < worstRef, $"int8 step vs int8 teacher forcing {worstOwn}, vs float32 {worstRef}");
    }
}
