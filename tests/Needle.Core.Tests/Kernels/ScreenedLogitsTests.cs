using Needle.Core.Inference;
using Needle.Core.Kernels;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

/// <summary>Screened logits: exact values bit-identical to the full product, bounds that hold, the same greedy choices.</summary>
[Collection("Kernels")]
public class ScreenedLogitsTests
{
    public static TheoryData<SimdLevel> AllLevels => Levels();

    // (V, K) rows like a tied embedding, in float16 or float32; a few duplicate rows make exact ties.
    private static PackedRows Rows(Random rng, int v, int k, WeightPrecision precision)
    {
        var w = Random(rng, v * k, 0.05f);
        for (var r = 0; r < 8; r++) w.AsSpan(r * k, k).CopyTo(w.AsSpan((v - 1 - r) * k, k));
        return PackedRows.FromRows(w, v, k, precision);
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Exact_rows_equal_the_full_product_bitwise_and_the_rest_are_upper_bounds(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(41);
        foreach (var (v, k, precision) in new[] { (1000, 64, WeightPrecision.Float16), (2048, 512, WeightPrecision.Float16), (700, 48, WeightPrecision.Float32), (300, 7, WeightPrecision.Float16) })
        {
            var rows = Rows(rng, v, k, precision);
            var screen = ScreenedLogits.TryCreate(rows)!;
            var full = new float[v];
            var logits = new float[v];
            var exact = new bool[v];
            for (var trial = 0; trial < 20; trial++)
            {
                // Hidden states from tiny to large, some with a clear winner (a row's own direction), some not.
                var x = Random(rng, k, trial % 3 == 0 ? 0.01f : trial % 3 == 1 ? 1f : 30f);
                if (trial % 2 == 0) for (var c = 0; c < k; c++) x[c] += 20 * rows[rng.Next(v), c];
                MatVec.Forward(x, rows, full, 1);
                var computed = screen.Forward(x, logits, exact, out var norm);
                Assert.True(norm > 0 && computed >= 1 && computed == exact.Count(e => e));
                for (var r = 0; r < v; r++)
                {
                    if (exact[r]) Assert.Equal(BitConverter.SingleToInt32Bits(full[r]), BitConverter.SingleToInt32Bits(logits[r]));
                    else Assert.True(logits[r] >= full[r], $"{level} {v}x{k} row {r}: bound {logits[r]} < exact {full[r]}");
                }
                Assert.Equal(Greedy.ArgMax(full), Greedy.ArgMax(logits));
            }
        }
    }

    [Fact]
    public void A_winner_that_stands_out_leaves_most_rows_screened()
    {
        var rng = new Random(5);
        int v = 4096, k = 256;
        var rows = Rows(rng, v, k, WeightPrecision.Float16);
        var screen = ScreenedLogits.TryCreate(rows)!;
        var x = new float[k];
        for (var c = 0; c < k; c++) x[c] = 40 * rows[123, c];
        var logits = new float[v];
        var exact = new bool[v];
        var computed = screen.Forward(x, logits, exact, out _);
        Assert.True(exact[123] && Greedy.ArgMax(logits) == 123);
        Assert.True(computed < v / 20, $"{computed} of {v} rows computed exactly");
    }

    [Fact]
    public void Masked_choices_with_refinement_equal_the_masked_argmax_of_the_full_logits()
    {
        var rng = new Random(9);
        int v = 1500, k = 96;
        var rows = Rows(rng, v, k, WeightPrecision.Float16);
        var screen = ScreenedLogits.TryCreate(rows)!;
        var full = new float[v];
        var logits = new float[v];
        var exact = new bool[v];
        for (var trial = 0; trial < 60; trial++)
        {
            var x = Random(rng, k, 2f);
            MatVec.Forward(x, rows, full, 1);
            screen.Forward(x, logits, exact, out _);
            // Masks from one allowed id (often far below the top) to most of the vocabulary.
            var allowed = new bool[v];
            var count = trial % 4 == 0 ? 1 : rng.Next(2, v);
            for (var i = 0; i < count; i++) allowed[rng.Next(v)] = true;
            int Masked(float[] values)
            {
                var masked = values.Select((s, i) => allowed[i] ? s : float.NegativeInfinity).ToArray();
                return Greedy.ArgMax(masked);
            }
            var next = Masked(logits);
            for (var round = 0; !exact[next]; round++)
            {
                Assert.True(round < 5, "the refinement must settle within a few rounds");
                screen.Refine(x, next, logits, exact, all: round >= 2);
                next = Masked(logits);
            }
            Assert.Equal(Masked(full), next);
        }
    }

    [Fact]
    public void A_non_finite_hidden_state_computes_every_row()
    {
        var rows = Rows(new Random(3), 200, 32, WeightPrecision.Float16);
        var screen = ScreenedLogits.TryCreate(rows)!;
        var x = new float[32];
        x[4] = float.NaN;
        var logits = new float[200];
        var exact = new bool[200];
        Assert.Equal(200, screen.Forward(x, logits, exact, out _));
        Assert.All(exact, Assert.True);
    }

    [Fact]
    public void Int8_rows_need_no_screen() =>
        Assert.Null(ScreenedLogits.TryCreate(PackedRows.FromRows(new float[64], 4, 16, WeightPrecision.Int8)));
}
