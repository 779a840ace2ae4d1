using Needle.Core.Data;

namespace Needle.Core.Training;

/// <summary>A batch of packed rows: the same fields as <see cref="PackedBins"/> for B rows.</summary>
public sealed record TrainBatch(
    int BatchSize, int EncLen, int DecLen,
    int[] Enc,        // (B, EncLen)
    int[] DecIn,      // (B, DecLen)
    int[] DecTgt,     // (B, DecLen)
    sbyte[] Loss,     // (B, DecLen)
    int[] EncSeg,     // (B, EncLen)
    int[] DecSeg,     // (B, DecLen)
    int[] Rows)       // which bins
{
    /// <summary>Non-padding target tokens (the CE denominator, §4.1).</summary>
    public int TokenCount => DecSeg.Count(s => s > 0);
}

/// <summary>
/// Epoch batching over packed bins (needle-model.md §3.5): a fresh permutation per epoch from one numpy
/// <c>RandomState(seed)</c> stream, consecutive chunks, the last partial batch dropped.
/// </summary>
public sealed class BinBatcher(PackedBins bins, int batchSize, uint seed = 42)
{
    private readonly NumpyRandomState _rng = new(seed);

    public int BatchesPerEpoch => batchSize <= 0 ? 0 : bins.Count / batchSize;

    /// <summary>The next epoch's batches: draws one permutation now, gathers each batch when it is enumerated.</summary>
    public IEnumerable<TrainBatch> NextEpoch()
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        var perm = _rng.Permutation(bins.Count);
        return Batches(perm);
    }

    private IEnumerable<TrainBatch> Batches(int[] perm)
    {
        for (int i = 0; i + batchSize <= perm.Length; i += batchSize) yield return Gather(bins, perm[i..(i + batchSize)]);
    }

    /// <summary>
    /// Bins in order, for validation. Upstream drops the partial tail here too (<paramref name="dropLast"/>), so fewer
    /// val bins than the batch size give no batch and a reported ppl of exp(0) = 1 (§10 #4); pass false to score all.
    /// </summary>
    public static IEnumerable<TrainBatch> Sequential(PackedBins bins, int batchSize, bool dropLast = true)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        for (int i = 0; i < bins.Count; i += batchSize)
        {
            int n = Math.Min(batchSize, bins.Count - i);
            if (n < batchSize && dropLast) yield break;
            yield return Gather(bins, Enumerable.Range(i, n).ToArray());
        }
    }

    public static TrainBatch Gather(PackedBins bins, int[] rows)
    {
        int b = rows.Length, te = bins.EncLen, td = bins.DecLen;
        var batch = new TrainBatch(b, te, td, new int[b * te], new int[b * td], new int[b * td], new sbyte[b * td],
            new int[b * te], new int[b * td], rows);
        for (int j = 0; j < b; j++)
        {
            int r = rows[j];
            bins.Enc.AsSpan(r * te, te).CopyTo(batch.Enc.AsSpan(j * te));
            bins.EncSeg.AsSpan(r * te, te).CopyTo(batch.EncSeg.AsSpan(j * te));
            bins.DecIn.AsSpan(r * td, td).CopyTo(batch.DecIn.AsSpan(j * td));
            bins.DecTgt.AsSpan(r * td, td).CopyTo(batch.DecTgt.AsSpan(j * td));
            bins.Loss.AsSpan(r * td, td).CopyTo(batch.Loss.AsSpan(j * td));
            bins.DecSeg.AsSpan(r * td, td).CopyTo(batch.DecSeg.AsSpan(j * td));
        }
        return batch;
    }
}

/// <summary>Right-padding of ragged sequences (generation and eval batches, §9.1).</summary>
public static class Padding
{
    /// <summary>(B, T) row-major with T = <paramref name="length"/> or the longest row; longer rows are an error.</summary>
    public static int[] PadRight(IReadOnlyList<int[]> rows, int? length = null, int pad = SpecialTokens.Pad)
    {
        int t = length ?? (rows.Count == 0 ? 0 : rows.Max(r => r.Length));
        var outArr = new int[rows.Count * t];
        outArr.AsSpan().Fill(pad);
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length > t) throw new ArgumentException($"Row {i} has {rows[i].Length} tokens, more than {t}.", nameof(rows));
            rows[i].CopyTo(outArr, i * t);
        }
        return outArr;
    }
}
