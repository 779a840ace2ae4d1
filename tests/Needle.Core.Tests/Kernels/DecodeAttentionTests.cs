using Needle.Core.Kernels;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

[Collection("Kernels")]
public unsafe class DecodeAttentionTests
{
    public static TheoryData<SimdLevel> AllLevels => Levels();

    [Theory]
    [MemberData(nameof(AllLevels))]
    public void Matches_naive_for_float_and_half_kv_with_gqa_groups_and_padding(SimdLevel level)
    {
        using var _ = Simd.Force(level);
        var rng = new Random(41);
        foreach (var (batch, tk, heads, kvHeads, hd) in new[] { (1, 256, 8, 4, 64), (2, 7, 4, 1, 12), (3, 33, 6, 6, 8), (1, 1, 2, 1, 16) })
        {
            var kvDim = kvHeads * hd;
            long ldkv = 2 * kvDim, kvBatch = tk * ldkv;                 // (B, Tk, k | v) as the encoder stores it
            var kv = Random(rng, (int)(batch * kvBatch), 2f);
            var q = Random(rng, batch * heads * hd, 2f);
            var valid = Enumerable.Range(0, batch * tk).Select(i => i % 5 != 3 || tk == 1).ToArray();
            if (batch > 1) Array.Fill(valid, false, tk, tk);           // a fully masked row: uniform weights
            var half = kv.Select(x => BitConverter.HalfToUInt16Bits((Half)x)).ToArray();
            var widened = half.Select(h => (float)BitConverter.UInt16BitsToHalf(h)).ToArray();

            foreach (var useHalf in new[] { false, true })
            {
                var src = useHalf ? widened : kv;
                var expected = new float[batch * heads * hd];
                DecodeAttention.ForwardNaive(q, src, src.AsSpan(kvDim), ldkv, kvBatch, expected, batch, tk, heads, kvHeads, hd, valid, 0.3f);
                var actual = new float[expected.Length];
                fixed (float* pq = q, pkv = kv, po = actual)
                fixed (ushort* ph = half)
                fixed (bool* pm = valid)
                {
                    if (useHalf)
                        DecodeAttention.Forward(pq, heads * hd, ph, ph + kvDim, ldkv, kvBatch, po, heads * hd, batch, tk, heads, kvHeads, hd, pm, 0.3f);
                    else
                        DecodeAttention.Forward(pq, heads * hd, pkv, pkv + kvDim, ldkv, kvBatch, po, heads * hd, batch, tk, heads, kvHeads, hd, pm, 0.3f);
                }
                AssertClose(expected, actual, 2e-5f, $"{level} half={useHalf} B{batch} Tk{tk} H{heads}/{kvHeads} hd{hd}");
            }
        }
    }

    [Fact]
    public void Agrees_with_the_general_attention_kernel()
    {
        var rng = new Random(43);
        int tk = 40, heads = 4, kvHeads = 2, hd = 16;
        var q = Random(rng, heads * hd);
        var k = Random(rng, tk * kvHeads * hd);
        var v = Random(rng, tk * kvHeads * hd);
        var valid = Enumerable.Range(0, tk).Select(j => j % 3 != 0).ToArray();
        var expected = new float[heads * hd];
        Attention.Forward(q, k, v, expected, 1, 1, tk, heads, kvHeads, hd, valid, false, 0, 0.25f);
        var actual = new float[heads * hd];
        fixed (float* pq = q, pk = k, pv = v, po = actual)
        fixed (bool* pm = valid)
            DecodeAttention.Forward(pq, 0, pk, pv, kvHeads * hd, 0, po, 0, 1, tk, heads, kvHeads, hd, pm, 0.25f);
        AssertClose(expected, actual, 1e-5f, "decode vs general attention");
    }

    [Fact]
    public void The_pool_split_gives_the_serial_results_bitwise()
    {
        var rng = new Random(47);
        foreach (var (batch, tk, heads, kvHeads, hd) in new[] { (1, 256, 8, 4, 64), (2, 300, 6, 3, 32), (1, 20, 4, 2, 16) })
        {
            var kvDim = kvHeads * hd;
            long ldkv = 2 * kvDim, kvBatch = tk * ldkv;
            var kv = Random(rng, (int)(batch * kvBatch), 2f);
            var half = kv.Select(x => BitConverter.HalfToUInt16Bits((Half)x)).ToArray();
            var q = Random(rng, batch * heads * hd, 2f);
            var valid = Enumerable.Range(0, batch * tk).Select(i => i % 7 != 2).ToArray();
            foreach (var useHalf in new[] { false, true })
            {
                var serial = new float[batch * heads * hd];
                var split = new float[serial.Length];
                fixed (float* pq = q, pkv = kv, ps = serial, pp = split)
                fixed (ushort* ph = half)
                fixed (bool* pm = valid)
                {
                    if (useHalf)
                    {
                        DecodeAttention.Forward(pq, heads * hd, ph, ph + kvDim, ldkv, kvBatch, ps, heads * hd, batch, tk, heads, kvHeads, hd, pm, 0.3f);
                        DecodeAttention.ForwardParallel(pq, heads * hd, ph, ph + kvDim, ldkv, kvBatch, pp, heads * hd, batch, tk, heads, kvHeads, hd, pm, 0.3f);
                    }
                    else
                    {
                        DecodeAttention.Forward(pq, heads * hd, pkv, pkv + kvDim, ldkv, kvBatch, ps, heads * hd, batch, tk, heads, kvHeads, hd, pm, 0.3f);
                        DecodeAttention.ForwardParallel(pq, heads * hd, pkv, pkv + kvDim, ldkv, kvBatch, pp, heads * hd, batch, tk, heads, kvHeads, hd, pm, 0.3f);
                    }
                }
                Assert.Equal(serial, split);
            }
        }
    }
}
