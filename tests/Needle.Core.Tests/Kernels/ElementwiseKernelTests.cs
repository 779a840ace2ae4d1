using Needle.Core.Kernels;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

[Collection("Kernels")]
public class ElementwiseKernelTests
{
    public static TheoryData<SimdLevel> AllLevels => Levels();

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void ZcRmsNorm_matches_naive_with_tails(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(3);
        foreach (var (rows, dim) in new[] { (1, 1), (3, 7), (5, 64), (2, 513), (4, 33) })
        {
            var x = Random(rng, rows * dim, 3f);
            var g = Random(rng, dim, 0.5f);
            var expected = new float[rows * dim];
            var actual = new float[rows * dim];
            ZcRmsNorm.ForwardNaive(x, g, expected, rows, dim);
            ZcRmsNorm.Forward(x, g, actual, rows, dim);
            AssertClose(expected, actual, 1e-5f, $"{level} {rows}x{dim}");
        }
    }

    [Fact]
    public void ZcRmsNorm_with_zero_gamma_gives_unit_rms()
    {
        var x = Random(new Random(5), 64, 10f);
        var y = new float[64];
        ZcRmsNorm.Forward(x, new float[64], y, 1, 64);
        var ms = y.Select(v => (double)v * v).Average();
        Assert.InRange(ms, 0.999, 1.001);
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Softmax_matches_naive_and_fully_masked_rows_are_uniform(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(9);
        var x = Random(rng, 3 * 37, 20f);
        for (var j = 0; j < 37; j++) x[37 + j] = float.MinValue;      // row 1 fully masked
        for (var j = 0; j < 37; j += 2) x[74 + j] = float.MinValue;    // row 2 half masked
        var expected = (float[])x.Clone();
        Softmax.ForwardNaive(expected, 3, 37);
        Softmax.Forward(x, 3, 37);
        AssertClose(expected, x, 1e-6f, level.ToString());
        for (var j = 0; j < 37; j++) Assert.Equal(1f / 37, x[37 + j], 6);
        Assert.Equal(0f, x[74]);
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Softmax_exp_is_accurate_over_the_whole_range(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        // Row of two: [x, 0] -> p0 = e^x / (e^x + 1); checks exp over [-100, 80] including the flush-to-zero end.
        for (var x = -100f; x <= 80f; x += 0.37f)
        {
            var row = new float[17];
            row[0] = x;
            for (var j = 1; j < row.Length; j++) row[j] = -200f; // exactly 0 after exp
            row[16] = 0f;
            Softmax.Row(row);
            var expected = 1.0 / (1.0 + Math.Exp(-x));
            Assert.True(Math.Abs(row[0] - expected) <= 3e-7 * Math.Max(expected, 1e-30) + 1e-38, $"{level} x={x}: {row[0]} vs {expected}");
            Assert.Equal(0f, row[5]);
        }
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Rope_matches_naive_and_position_zero_is_identity(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(11);
        const int t = 9, heads = 3, hd = 64;
        var table = new RopeTable(hd, 10000.0);
        var x = Random(rng, t * heads * hd);
        var expected = (float[])x.Clone();
        var actual = (float[])x.Clone();
        Rope.ForwardNaive(expected, t, heads, hd, 5, 10000.0);
        Rope.Forward(actual, t, heads, 5, table);
        AssertClose(expected, actual, 2e-6f, $"{level} rope pos0=5");
        // Odd half (hd = 10): vector body plus scalar tail, inside a wider row (stride).
        var table10 = new RopeTable(10, 500.0);
        var z = Random(rng, 3 * 25);
        var zExpected = (float[])z.Clone();
        for (var i = 0; i < 3; i++)
        {
            var row = zExpected.AsSpan(i * 25, 20).ToArray();
            Rope.ForwardNaive(row, 1, 2, 10, 7 + i, 500.0);
            row.CopyTo(zExpected, i * 25);
        }
        Rope.Forward(z, 3, 2, 7, table10, 25);
        AssertClose(zExpected, z, 2e-6f, $"{level} rope hd=10 stride 25");
        var y = (float[])x.Clone();
        Rope.Forward(y.AsSpan(0, heads * hd), 1, heads, 0, table);
        Assert.Equal(x.AsSpan(0, heads * hd).ToArray(), y.AsSpan(0, heads * hd).ToArray());
    }

    [Fact]
    public void Rope_uses_half_split_pairs()
    {
        // At position 1 with hd=4: freq = [1, 1/100]; dim 0 pairs with dim 2 (not dim 1).
        var table = new RopeTable(4, 10000.0);
        var x = new float[] { 1, 0, 0, 0 };
        Rope.Forward(x, 1, 1, 1, table);
        Assert.Equal(MathF.Cos(1), x[0], 6);
        Assert.Equal(0f, x[1]);
        Assert.Equal(MathF.Sin(1), x[2], 6);
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Attention_matches_naive_per_head_reference_with_gqa_and_masks(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(13);
        const int batch = 2, heads = 4, kv = 2, hd = 16;
        foreach (var (tq, tk, causal, offset) in new[] { (1, 5, false, 0), (3, 7, true, 4), (11, 11, true, 0), (12, 19, false, 0) })
        {
            var q = Random(rng, batch * tq * heads * hd, 2f);
            var k = Random(rng, batch * tk * kv * hd, 2f);
            var v = Random(rng, batch * tk * kv * hd);
            var valid = new bool[batch * tk];
            for (var i = 0; i < valid.Length; i++) valid[i] = i % tk != 1;
            for (var j = 0; j < tk; j++) valid[tk + j] = false;  // batch row 1: every key masked -> uniform
            var expected = new float[batch * tq * heads * hd];
            var actual = new float[expected.Length];
            Attention.ForwardNaive(q, k, v, expected, batch, tq, tk, heads, kv, hd, valid, causal, offset, 0.25f);
            Attention.Forward(q, k, v, actual, batch, tq, tk, heads, kv, hd, valid, causal, offset, 0.25f);
            AssertClose(expected, actual, 1e-5f, $"{level} tq={tq} tk={tk} causal={causal}");
        }
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Attention_few_query_path_matches_naive_with_ragged_keys_and_head_dim(SimdLevel level)
    {
        // The dot-product path (Tq < 8) works on 4 keys and 4 output vectors at a time: tk = 9 and hd = 72 leave
        // key and lane tails at every SIMD width.
        using var _ = Simd.Force(level);
        var rng = new Random(29);
        const int batch = 2, heads = 4, kv = 2, hd = 72, tk = 9;
        foreach (var (tq, causal, offset) in new[] { (1, false, 0), (2, true, 6), (3, false, 0) })
        {
            var q = Random(rng, batch * tq * heads * hd, 1f);
            var k = Random(rng, batch * tk * kv * hd, 1f);
            var v = Random(rng, batch * tk * kv * hd);
            var valid = new bool[batch * tk];
            for (var i = 0; i < valid.Length; i++) valid[i] = i % 5 != 3;
            var expected = new float[batch * tq * heads * hd];
            var actual = new float[expected.Length];
            Attention.ForwardNaive(q, k, v, expected, batch, tq, tk, heads, kv, hd, valid, causal, offset, 0.125f);
            Attention.Forward(q, k, v, actual, batch, tq, tk, heads, kv, hd, valid, causal, offset, 0.125f);
            AssertClose(expected, actual, 1e-5f, $"{level} tq={tq} causal={causal}");
        }
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Attention_many_query_path_matches_naive_at_model_head_sizes(SimdLevel level)
    {
        // hd 32/64 takes the AVX-512 strip kernel (32 queries × 8-key tiles): tq and tk leave strip, row-tile and key
        // tails; causal offsets cut strips partly; batch row 1 masks every key (uniform); GQA group of 2.
        using var _ = Simd.Force(level);
        var rng = new Random(31);
        const int batch = 2, heads = 4, kv = 2;
        foreach (var (tq, tk, hd, causal, offset) in new[]
                 { (37, 45, 64, false, 0), (40, 40, 64, true, 0), (9, 50, 32, true, 41), (64, 64, 64, false, 0), (33, 7, 32, false, 0) })
        {
            var q = Random(rng, batch * tq * heads * hd, 1f);
            var k = Random(rng, batch * tk * kv * hd, 1f);
            var v = Random(rng, batch * tk * kv * hd);
            var valid = new bool[batch * tk];
            for (var i = 0; i < tk; i++) valid[i] = i % 6 != 2;
            var expected = new float[batch * tq * heads * hd];
            var actual = new float[expected.Length];
            Attention.ForwardNaive(q, k, v, expected, batch, tq, tk, heads, kv, hd, valid, causal, offset, 0.125f);
            Attention.Forward(q, k, v, actual, batch, tq, tk, heads, kv, hd, valid, causal, offset, 0.125f);
            AssertClose(expected, actual, 1e-5f, $"{level} tq={tq} tk={tk} hd={hd} causal={causal}");
            // Without a padding mask too (the strip kernel's keep == null branch).
            Attention.ForwardNaive(q, k, v, expected, batch, tq, tk, heads, kv, hd, default, causal, offset, 0.125f);
            Attention.Forward(q, k, v, actual, batch, tq, tk, heads, kv, hd, default, causal, offset, 0.125f);
            AssertClose(expected, actual, 1e-5f, $"{level} tq={tq} tk={tk} hd={hd} causal={causal} unmasked");
        }
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void QkNormRope_matches_naive_norm_then_rope_per_row(SimdLevel level)
    {
        // 2 sequences of 5 tokens in a q | k | v buffer with a padded stride; positions restart per sequence at pos0.
        using var _ = Simd.Force(level);
        var rng = new Random(37);
        const int heads = 4, kv = 2, hd = 16, t = 5, rows = 10, stride = (heads + 2 * kv) * hd + 3;
        foreach (var (pos0, rope) in new[] { (0, true), (7, true), (0, false) })
        {
            var x = Random(rng, rows * stride, 3f);
            var qg = Random(rng, hd, 0.5f);
            var kg = Random(rng, hd, 0.5f);
            var expected = (float[])x.Clone();
            QkNormRope.ForwardNaive(expected, rows, stride, t, pos0, heads, kv, qg, kg, rope ? 10000.0 : null);
            QkNormRope.Forward(x, rows, stride, t, pos0, heads, kv, qg, kg, rope ? new RopeTable(hd, 10000.0) : null);
            AssertClose(expected, x, 1e-5f, $"{level} pos0={pos0} rope={rope}");
        }
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void ResidualNorm_matches_naive_gated_add_then_norm(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(41);
        foreach (var (rows, dim, inPlace) in new[] { (3, 37, false), (64, 512, false), (64, 512, true) })
        {
            var x = Random(rng, rows * dim, 2f);
            var y = Random(rng, rows * dim, 2f);
            var g = Random(rng, dim, 0.5f);
            var xe = (float[])x.Clone();
            var expected = new float[rows * dim];
            ResidualNorm.ForwardNaive(xe, y, 0.3f, g, expected, rows, dim);
            var actual = inPlace ? x : new float[rows * dim];
            ResidualNorm.Forward(x, y, 0.3f, g, actual, rows, dim);
            AssertClose(expected, actual, 1e-5f, $"{level} {rows}x{dim} in place={inPlace}");
            if (!inPlace) AssertClose(xe, x, 1e-6f, $"{level} {rows}x{dim} residual");
        }
    }

    [Fact]
    public void Attention_query_head_uses_kv_head_h_div_group()
    {
        // 4 query heads, 2 KV heads: heads 0,1 read KV 0 and heads 2,3 read KV 1 (repeat, not tile).
        const int heads = 4, kv = 2, hd = 2, tk = 1;
        var q = new float[heads * hd];
        var k = new float[kv * hd];
        var v = new float[] { 10, 10, 20, 20 };
        var o = new float[heads * hd];
        Attention.Forward(q, k, v, o, 1, 1, tk, heads, kv, hd, default, false, 0, 1f);
        Assert.Equal([10f, 10, 10, 10, 20, 20, 20, 20], o);
    }

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void MatVec_matches_naive_for_both_precisions(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(17);
        foreach (var precision in new[] { WeightPrecision.Float16, WeightPrecision.Float32 })
        foreach (var (m, n, k) in new[] { (1, 5, 3), (1, 600, 515), (3, 37, 64), (2, 2048, 128) })
        {
            var w = Random(rng, k * n, 0.1f);
            w[0] = 3e-6f; // a float16 subnormal
            var packed = PackedRows.FromKernel(w, k, n, precision);
            var x = Random(rng, m * k);
            var expected = new float[m * n];
            var actual = new float[m * n];
            MatVec.ForwardNaive(x, packed, expected, m);
            MatVec.Forward(x, packed, actual, m);
            AssertClose(expected, actual, 2e-6f * MathF.Sqrt(k), $"{level} {precision} {m}x{n}x{k}");
        }
    }

    [Fact]
    public void PackedRows_float32_transposes_the_kernel_exactly()
    {
        var w = new float[] { 1, 2, 3, 4, 5, 6 }; // (K=2, N=3)
        var x = new float[] { 1, 10 };
        var y = new float[3];
        MatVec.Forward(x, PackedRows.FromKernel(w, 2, 3, WeightPrecision.Float32), y, 1);
        Assert.Equal([41f, 52, 63], y);
    }

    [Fact]
    public void Gated_residual_and_embedding_gather()
    {
        var x = new float[] { 1, 1 };
        Elementwise.GatedResidualAdd(x, [2, 4], 0f);
        Assert.Equal([2f, 3], x);
        var table = new float[] { 1, 2, 3, 4, 5, 6 };
        var o = new float[4];
        Elementwise.EmbeddingGather(table, 2, [2, 0], o, 2f);
        Assert.Equal([10f, 12, 2, 4], o);
        Assert.Throws<ArgumentException>(() => Elementwise.EmbeddingGather(table, 2, [3], o, 1f));
    }
}
