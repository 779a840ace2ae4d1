namespace Needle.Core.Training;

/// <summary>
/// Examples packed into fixed-size rows (needle-model.md §3.5). All arrays are row-major with PAD/0 padding.
/// Segment ids are 1, 2, 3, … per example within a row, 0 on padding; the loss is masked by <c>DecSeg &gt; 0</c>.
/// </summary>
public sealed class PackedBins
{
    public required int Count { get; init; }
    public required int EncLen { get; init; }
    public required int DecLen { get; init; }
    public required int[] Enc { get; init; }        // (N, EncLen)
    public required int[] DecIn { get; init; }      // (N, DecLen)
    public required int[] DecTgt { get; init; }     // (N, DecLen)
    public required sbyte[] Loss { get; init; }     // (N, DecLen) TokenClass
    public required int[] EncSeg { get; init; }     // (N, EncLen)
    public required int[] DecSeg { get; init; }     // (N, DecLen)

    /// <summary>Example indices (into the packed list) of each row, in segment order.</summary>
    public required IReadOnlyList<IReadOnlyList<int>> Contents { get; init; }

    /// <summary>Used share of all token slots, encoder plus decoder.</summary>
    public double Utilization
    {
        get
        {
            long used = EncSeg.Count(s => s > 0) + (long)DecSeg.Count(s => s > 0);
            long cap = (long)Count * (EncLen + DecLen);
            return cap == 0 ? 0 : (double)used / cap;
        }
    }

    /// <summary>
    /// RoPE positions: upstream uses the absolute index within the row (harmless since RoPE is relative and segments
    /// are masked from each other). <paramref name="perSegment"/> restarts at 0 for each segment instead.
    /// </summary>
    public static int[] Positions(ReadOnlySpan<int> segRow, bool perSegment = false)
    {
        var p = new int[segRow.Length];
        int start = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (perSegment && i > 0 && segRow[i] != segRow[i - 1]) start = i;
            p[i] = perSegment ? i - start : i;
        }
        return p;
    }
}

/// <summary>Upstream's <c>pack_sequences</c>: first-fit-decreasing by encoder length into (enc, dec) capacity bins.</summary>
public static class SequencePacker
{
    public static PackedBins Pack(IReadOnlyList<EncodedExample> examples, int encLen = SpecialTokens.MaxEncLen, int decLen = SpecialTokens.MaxDecLen)
    {
        ArgumentNullException.ThrowIfNull(examples);
        foreach (var e in examples)
            if (e.Enc.Length > encLen || e.DecIn.Length > decLen || e.DecTgt.Length != e.DecIn.Length || e.LossClasses.Length != e.DecIn.Length)
                throw new ArgumentException($"Example {e.SourceIndex} does not fit ({e.Enc.Length}/{encLen}, {e.DecIn.Length}/{decLen}) or is inconsistent.", nameof(examples));

        // numpy argsort(-len) is an unstable quicksort; tie order is unspecified upstream. We break ties by index.
        var order = Enumerable.Range(0, examples.Count).OrderByDescending(i => examples[i].Enc.Length).ThenBy(i => i).ToList();
        var encRem = new List<int>(); var decRem = new List<int>(); var contents = new List<List<int>>();
        foreach (int idx in order)
        {
            int el = examples[idx].Enc.Length, dl = examples[idx].DecIn.Length;
            int b = -1;
            for (int k = 0; k < contents.Count; k++)
                if (encRem[k] >= el && decRem[k] >= dl) { b = k; break; }
            if (b < 0) { encRem.Add(encLen); decRem.Add(decLen); contents.Add([]); b = contents.Count - 1; }
            encRem[b] -= el; decRem[b] -= dl;
            contents[b].Add(idx);
        }

        int n = contents.Count;
        var bins = new PackedBins
        {
            Count = n, EncLen = encLen, DecLen = decLen,
            Enc = new int[n * encLen], DecIn = new int[n * decLen], DecTgt = new int[n * decLen], Loss = new sbyte[n * decLen],
            EncSeg = new int[n * encLen], DecSeg = new int[n * decLen], Contents = contents,
        };
        for (int row = 0; row < n; row++)
        {
            int ep = row * encLen, dp = row * decLen, seg = 1;
            foreach (int idx in contents[row])
            {
                var e = examples[idx];
                e.Enc.CopyTo(bins.Enc, ep);
                bins.EncSeg.AsSpan(ep, e.Enc.Length).Fill(seg);
                e.DecIn.CopyTo(bins.DecIn, dp);
                e.DecTgt.CopyTo(bins.DecTgt, dp);
                e.LossClasses.CopyTo(bins.Loss, dp);
                bins.DecSeg.AsSpan(dp, e.DecIn.Length).Fill(seg);
                ep += e.Enc.Length; dp += e.DecIn.Length; seg++;
            }
        }
        return bins;
    }
}
