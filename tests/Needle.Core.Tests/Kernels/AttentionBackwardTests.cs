using Needle.Core.Kernels;
using static Needle.Core.Tests.Kernels.KernelTestUtil;

namespace Needle.Core.Tests.Kernels;

[Collection("Kernels")]
public unsafe class AttentionBackwardTests
{
    private const int Heads = 4, KvHeads = 2, Hd = 8;

    private static void Fast(float[] q, float[] k, float[] v, float[] o, int[] qs, int[] ks, int b, int tq, int tk, bool causal,
        float[]? dq = null, float[]? dk = null, float[]? dv = null, float[]? lse = null)
    {
        fixed (float* pq = q, pk = k, pv = v, po = o, pdq = dq, pdk = dk, pdv = dv, pl = lse)
        fixed (int* pqs = qs, pks = ks)
        {
            int lq = Heads * Hd, lk = KvHeads * Hd;
            var a = new SegmentAttention.Args
            {
                Q = pq, K = pk, V = pv, O = po, DQ = pdq, DK = pdk, DV = pdv, Lse = pl, QSeg = pqs, KSeg = pks,
                S = new AttentionStrides(lq, (long)tq * lq, lk, (long)tk * lk, lk, (long)tk * lk, lq, (long)tq * lq),
                Batch = b, Tq = tq, Tk = tk, Heads = Heads, KvHeads = KvHeads, HeadDim = Hd, Causal = causal, Scale = 1f / MathF.Sqrt(Hd),
            };
            if (dq is null) SegmentAttention.Forward(a); else SegmentAttention.Backward(a);
        }
    }

    public static TheoryData<bool, bool> Cases => new() { { true, false }, { true, true }, { false, false } };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Saved_logsumexp_keeps_the_forward_and_the_backward_matches_naive(bool self, bool causal)
    {
        var rng = new Random(self ? (causal ? 21 : 22) : 23);
        const int b = 2;
        int tq = 9, tk = self ? 9 : 12;
        int[] qs = [1, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1];
        int[] ks = self ? qs : [1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 0];
        var scale = 1f / MathF.Sqrt(Hd);
        var q = Random(rng, b * tq * Heads * Hd, 2f); var k = Random(rng, b * tk * KvHeads * Hd, 2f); var v = Random(rng, b * tk * KvHeads * Hd);
        var r = Random(rng, b * tq * Heads * Hd);
        var lse = new float[b * Heads * tq];
        float[] o = new float[r.Length], oPlain = new float[r.Length];
        Fast(q, k, v, o, qs, ks, b, tq, tk, causal, lse: lse);
        Fast(q, k, v, oPlain, qs, ks, b, tq, tk, causal);
        // With the logsumexp the forward normalizes the (m, hd) output instead of the scores: rounding-level changes only.
        AssertClose(oPlain, o, 1e-6f, "out with lse");
        // Row (b 0, head 1, query 1) of segment 1: self keys 0..2 (causal: 0..1), cross keys 0..3; logsumexp in double.
        double sum = 0;
        for (var j = 0; j < (!self ? 4 : causal ? 2 : 3); j++)
        {
            double dot = 0;
            for (var d = 0; d < Hd; d++) dot += (double)q[(1 * Heads + 1) * Hd + d] * k[(j * KvHeads + 0) * Hd + d];
            sum += Math.Exp(dot * scale);
        }
        Assert.Equal(Math.Log(sum), lse[1 * tq + 1], 4);

        float[] dq = new float[q.Length], dk = new float[k.Length], dv = new float[v.Length];
        float[] dqN = new float[q.Length], dkN = new float[k.Length], dvN = new float[v.Length];
        Fast(q, k, v, r, qs, ks, b, tq, tk, causal, dq, dk, dv, lse);
        SegmentAttention.BackwardNaive(q, k, v, r, dqN, dkN, dvN, qs, ks, b, tq, tk, Heads, KvHeads, Hd, causal, scale);
        AssertClose(dqN, dq, 1e-5f, "dq"); AssertClose(dkN, dk, 1e-5f, "dk"); AssertClose(dvN, dv, 1e-5f, "dv");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Segment_attention_forward_backward_match_naive_and_finite_differences(bool self, bool causal)
    {
        var rng = new Random(self ? (causal ? 11 : 12) : 13);
        const int b = 2;
        int tq = 9, tk = self ? 9 : 12;
        // Packed rows: two segments and padding, a row with one segment; cross keys follow their own segment layout.
        int[] qs = [1, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]; // cross: segment 3 has no keys
        // cross row 1: segment 1's keys have a hole (keys of segment 2 inside its window): the per-element mask path
        int[] ks = self ? qs : [1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 0];
        var scale = 1f / MathF.Sqrt(Hd);
        var q = Random(rng, b * tq * Heads * Hd, 2f); var k = Random(rng, b * tk * KvHeads * Hd, 2f); var v = Random(rng, b * tk * KvHeads * Hd);
        var r = Random(rng, b * tq * Heads * Hd);

        var o = new float[r.Length]; var oN = new float[r.Length];
        Fast(q, k, v, o, qs, ks, b, tq, tk, causal);
        SegmentAttention.ForwardNaive(q, k, v, oN, qs, ks, b, tq, tk, Heads, KvHeads, Hd, causal, scale);
        AssertClose(oN, o, 1e-5f, "out");

        float[] dq = new float[q.Length], dk = new float[k.Length], dv = new float[v.Length];
        float[] dqN = new float[q.Length], dkN = new float[k.Length], dvN = new float[v.Length];
        Fast(q, k, v, r, qs, ks, b, tq, tk, causal, dq, dk, dv);
        SegmentAttention.BackwardNaive(q, k, v, r, dqN, dkN, dvN, qs, ks, b, tq, tk, Heads, KvHeads, Hd, causal, scale);
        AssertClose(dqN, dq, 1e-5f, "dq"); AssertClose(dkN, dk, 1e-5f, "dk"); AssertClose(dvN, dv, 1e-5f, "dv");

        double Loss() { var y = new float[r.Length]; SegmentAttention.ForwardNaive(q, k, v, y, qs, ks, b, tq, tk, Heads, KvHeads, Hd, causal, scale); return GradCheck.Dot(r, y); }
        GradCheck.Check(Loss, q, dq, "q", samples: 24, eps: 1e-3f);
        GradCheck.Check(Loss, k, dk, "k", samples: 24, eps: 1e-3f);
        GradCheck.Check(Loss, v, dv, "v", samples: 24, eps: 1e-3f);
    }

    [Fact]
    public void Padding_queries_attend_uniformly_and_segments_do_not_leak()
    {
        var rng = new Random(14);
        const int t = 6;
        int[] seg = [1, 1, 2, 2, 0, 0];
        var q = Random(rng, t * Heads * Hd); var k = Random(rng, t * KvHeads * Hd); var v = Random(rng, t * KvHeads * Hd);
        var o = new float[q.Length];
        Fast(q, k, v, o, seg, seg, 1, t, t, causal: false);
        // A padding query averages every value row (float.MinValue fill, like upstream).
        for (var h = 0; h < Heads; h++)
        for (var d = 0; d < Hd; d++)
        {
            var mean = Enumerable.Range(0, t).Average(j => v[(j * KvHeads + h / 2) * Hd + d]);
            Assert.Equal(mean, o[(4 * Heads + h) * Hd + d], 4);
        }
        // Changing segment 2's values does not move segment 1's outputs.
        var v2 = (float[])v.Clone();
        for (var i = 2 * KvHeads * Hd; i < 4 * KvHeads * Hd; i++) v2[i] += 5f;
        var o2 = new float[q.Length];
        Fast(q, k, v2, o2, seg, seg, 1, t, t, causal: false);
        Assert.Equal(o.AsSpan(0, 2 * Heads * Hd).ToArray(), o2.AsSpan(0, 2 * Heads * Hd).ToArray());
    }

    [Fact]
    public void Tied_cross_entropy_matches_naive_finite_differences_and_the_text_loss()
    {
        var rng = new Random(15);
        const int n = 7, dim = 8, vocab = 13;
        var h = Random(rng, n * dim, 2f); var e = Random(rng, vocab * dim);
        int[] targets = [1, 4, 12, 0, 3, 3, 9];
        int[] seg = [1, 1, 1, 2, 2, 0, 0];
        sbyte[] classes = [0, 1, 2, 3, 0, 0, 0];
        float[] classWeight = [1f, 2f, 4f, 1.5f];
        var w = Enumerable.Range(0, n).Select(i => seg[i] > 0 ? classWeight[classes[i]] : 0f).ToArray();
        double ceScale = 1.0 / 5, zScale = 1e-4 / n;
        double Loss() { var s = TiedCrossEntropy.ForwardBackwardNaive(h, e, targets, w, n, dim, vocab, ceScale, zScale, default, default); return s.WeightedCe * ceScale + s.LseSquared * zScale; }

        float[] dh = new float[n * dim], de = new float[vocab * dim], dhN = new float[n * dim], deN = new float[vocab * dim];
        var fast = TiedCrossEntropy.ForwardBackward(h, e, targets, w, n, dim, vocab, ceScale, zScale, dh, de, chunkRows: 3);
        var naive = TiedCrossEntropy.ForwardBackwardNaive(h, e, targets, w, n, dim, vocab, ceScale, zScale, dhN, deN);
        Assert.Equal(naive.WeightedCe, fast.WeightedCe, 4);
        Assert.Equal(naive.LseSquared, fast.LseSquared, 4);
        AssertClose(dhN, dh, 1e-5f, "dh"); AssertClose(deN, de, 1e-5f, "dE");
        GradCheck.Check(Loss, h, dh, "h", samples: 24);
        GradCheck.Check(Loss, e, de, "E", samples: 24);

        // The same loss as the training helper's independent §4.1 implementation on materialized logits.
        var logits = new float[n * vocab];
        Gemm.MatMulNaive(h, dim, false, e, dim, true, logits, vocab, n, vocab, dim);
        var text = Needle.Core.Training.TextLoss.Compute(logits, targets, classes, seg, vocab);
        Assert.Equal(text.Loss, fast.WeightedCe * ceScale + fast.LseSquared * zScale, 5);
        var dhText = new float[n * dim];
        Gemm.MatMulNaive(text.DLogits, vocab, false, e, dim, false, dhText, dim, n, dim, vocab);
        AssertClose(dhText, dh, 1e-5f, "dh vs TextLoss");
    }
}
