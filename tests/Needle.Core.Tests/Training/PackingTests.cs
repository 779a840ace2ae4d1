using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class PackingTests
{
    private static EncodedExample Ex(int i, int enc, int ans) => new(i,
        Enumerable.Range(10 + i * 100, enc).ToArray(),
        [SpecialTokens.Eos, SpecialTokens.ToolCall, .. Enumerable.Repeat(7 + i, ans)],
        [SpecialTokens.ToolCall, .. Enumerable.Repeat(7 + i, ans), SpecialTokens.Eos],
        [0, .. Enumerable.Repeat((sbyte)2, ans), 0], 1, "q", "[]", "[]");

    [Fact]
    public void First_fit_decreasing_fills_the_lowest_bin_that_fits_both_capacities()
    {
        // Capacities 10 (enc) and 8 (dec). Sorted by enc length: #1 (7), #0 (5), #3 (3), #2 (2).
        var ex = new[] { Ex(0, 5, 1), Ex(1, 7, 1), Ex(2, 2, 1), Ex(3, 3, 4) };
        var bins = SequencePacker.Pack(ex, encLen: 10, decLen: 8);
        // #1 opens bin 0 (enc 3, dec 5 left); #0 doesn't fit -> bin 1 (enc 5, dec 5 left); #3 (3, 6) fits
        // neither on dec -> bin 2; #2 (2, 3) fits bin 0.
        Assert.Equal(3, bins.Count);
        Assert.Equal([[1, 2], [0], [3]], bins.Contents.Select(c => c.ToArray()).ToArray());
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 2, 2, 0], bins.EncSeg[..10]);
        Assert.Equal([1, 1, 1, 2, 2, 2, 0, 0], bins.DecSeg[..8]);
        Assert.Equal([.. ex[1].Enc, .. ex[2].Enc, 0], bins.Enc[..10]);
        Assert.Equal([.. ex[1].DecTgt, .. ex[2].DecTgt, 0, 0], bins.DecTgt[..8]);
        Assert.Equal([.. ex[1].LossClasses, .. ex[2].LossClasses, 0, 0], bins.Loss[..8]);
        Assert.Equal([.. ex[3].DecIn, 0, 0], bins.DecIn[16..24]);
        Assert.Equal([0, 1, 2, 0, 1], PackedBins.Positions([1, 1, 1, 2, 2], perSegment: true));
        Assert.Equal([0, 1, 2, 3, 4], PackedBins.Positions([1, 1, 1, 2, 2]));
        double used = (7 + 2 + 5 + 3 + 3 + 3 + 3 + 6) / (3.0 * 18);
        Assert.Equal(used, bins.Utilization, 12);
    }

    [Fact]
    public void Batches_drop_the_partial_tail_and_reshuffle_each_epoch()
    {
        var ex = Enumerable.Range(0, 7).Select(i => Ex(i, 600, 300)).ToArray();   // one example per bin
        var bins = SequencePacker.Pack(ex);
        Assert.Equal(7, bins.Count);
        var batcher = new BinBatcher(bins, batchSize: 3);
        Assert.Equal(2, batcher.BatchesPerEpoch);
        var e1 = batcher.NextEpoch().ToList();
        var e2 = batcher.NextEpoch().ToList();
        Assert.Equal(2, e1.Count);
        var perm = new Needle.Core.Data.NumpyRandomState(42).Permutation(7);
        Assert.Equal(perm[..3], e1[0].Rows);
        Assert.Equal(perm[3..6], e1[1].Rows);
        Assert.NotEqual(e1.SelectMany(b => b.Rows), e2.SelectMany(b => b.Rows));
        var b0 = e1[0];
        Assert.Equal(bins.DecTgt.AsSpan(b0.Rows[1] * 512, 512).ToArray(), b0.DecTgt[512..1024]);
        Assert.Equal(3 * 302, b0.TokenCount);
    }

    [Fact]
    public void Sequential_validation_batches_keep_order_and_optionally_the_tail()
    {
        var bins = SequencePacker.Pack(Enumerable.Range(0, 5).Select(i => Ex(i, 600 + i, 300)).ToArray());
        Assert.Equal([[0, 1], [2, 3]], BinBatcher.Sequential(bins, 2).Select(b => b.Rows));
        Assert.Equal([[0, 1], [2, 3], [4]], BinBatcher.Sequential(bins, 2, dropLast: false).Select(b => b.Rows));
        Assert.Empty(BinBatcher.Sequential(bins, 8));
    }

    [Fact]
    public void Padding_right_pads_and_rejects_overlong_rows()
    {
        Assert.Equal([1, 2, 0, 3, 0, 0], Padding.PadRight([[1, 2], [3]], 3));
        Assert.Equal([1, 2, 3, 0], Padding.PadRight([[1, 2], [3]]));
        Assert.Throws<ArgumentException>(() => Padding.PadRight([[1, 2, 3]], 2));
    }

    [Fact]
    public void Oversized_examples_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SequencePacker.Pack([Ex(0, 11, 1)], encLen: 10, decLen: 8));
    }
}
