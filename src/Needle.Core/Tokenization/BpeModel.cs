namespace Needle.Core.Tokenization;

/// <summary>
/// bpe_model.cc's Encode: split the normalized text into characters (user-defined symbols stay whole and frozen),
/// then repeatedly merge the adjacent pair whose concatenation is the best-scoring piece (ties: leftmost), using a
/// heap of candidate pairs; stale candidates are recognized by their size. Finally, pieces of type UNUSED are
/// split back into the two symbols they were last formed from (resegmentation).
/// O(n log n) in the normalized length.
/// </summary>
internal sealed class BpeModel
{
    private readonly VocabIndex _vocab;

    public BpeModel(VocabIndex vocab) => _vocab = vocab;

    /// <summary>Encodes ws.Normalized[..length] into ws.Result* as (start, length, id) triples.</summary>
    public void Encode(EncodeWorkspace ws, int length)
    {
        ws.ResultCount = 0;
        if (length == 0) return;
        var text = ws.Normalized.AsSpan(0, length);

        // Split into characters.
        ws.EnsureSymbols(length);
        var count = 0;
        for (var pos = 0; pos < length;)
        {
            var size = _vocab.UserSymbols.PrefixMatch(text[pos..], out var frozen);
            ws.SymbolStart[count] = pos;
            ws.SymbolLength[count] = size;
            ws.SymbolFrozen[count] = frozen;
            ws.SymbolPrev[count] = count - 1;
            pos += size;
            ws.SymbolNext[count] = pos < length ? count + 1 : -1;
            count++;
        }

        Dictionary<int, (int LeftStart, int LeftLength, int RightStart, int RightLength)>? reverseMerges = null;
        var heapCount = 0;
        for (var i = 1; i < count; i++) MaybeAddPair(ws, text, i - 1, i, ref heapCount, ref reverseMerges);

        while (heapCount > 0)
        {
            var top = Pop(ws.Heap, ref heapCount);
            var leftLength = ws.SymbolLength[top.Left];
            var rightLength = ws.SymbolLength[top.Right];
            // Stale: one side was merged away, or the right side grew since this pair was proposed.
            if (leftLength == 0 || rightLength == 0 || leftLength + rightLength != top.Size) continue;

            ws.SymbolLength[top.Left] = leftLength + rightLength;
            var next = ws.SymbolNext[top.Right];
            ws.SymbolNext[top.Left] = next;
            if (next >= 0) ws.SymbolPrev[next] = top.Left;
            ws.SymbolLength[top.Right] = 0;

            MaybeAddPair(ws, text, ws.SymbolPrev[top.Left], top.Left, ref heapCount, ref reverseMerges);
            MaybeAddPair(ws, text, top.Left, next, ref heapCount, ref reverseMerges);
        }

        for (var index = 0; index != -1; index = ws.SymbolNext[index])
            Resegment(ws, text, ws.SymbolStart[index], ws.SymbolLength[index], reverseMerges);
    }

    private void MaybeAddPair(EncodeWorkspace ws, ReadOnlySpan<byte> text, int left, int right, ref int heapCount,
        ref Dictionary<int, (int, int, int, int)>? reverseMerges)
    {
        if (left == -1 || right == -1 || ws.SymbolFrozen[left] || ws.SymbolFrozen[right]) return;
        var start = ws.SymbolStart[left];
        var size = ws.SymbolLength[left] + ws.SymbolLength[right];
        var id = _vocab.Mergeable.TryGet(text.Slice(start, size));
        if (id < 0) return;
        Push(ref ws.Heap, ref heapCount, new BpeMergeCandidate { Left = left, Right = right, Score = _vocab.Scores[id], Size = size });
        if (_vocab.Types[id] == PieceType.Unused)
        {
            reverseMerges ??= [];
            reverseMerges[id] = (start, ws.SymbolLength[left], ws.SymbolStart[right], ws.SymbolLength[right]);
        }
    }

    /// <summary>
    /// The recursive resegment of bpe_model.cc with an explicit stack (left part first): an UNUSED piece is replaced
    /// by the two symbols it was last merged from. Terminates because both parts are non-empty and shorter.
    /// </summary>
    private void Resegment(EncodeWorkspace ws, ReadOnlySpan<byte> text, int start, int length,
        Dictionary<int, (int LeftStart, int LeftLength, int RightStart, int RightLength)>? reverseMerges)
    {
        if (reverseMerges is null)
        {
            ws.AddResult(start, length, _vocab.PieceToId(text.Slice(start, length)));
            return;
        }
        var stack = new Stack<(int Start, int Length)>();
        stack.Push((start, length));
        while (stack.TryPop(out var symbol))
        {
            var id = _vocab.PieceToId(text.Slice(symbol.Start, symbol.Length));
            if (_vocab.Types[id] != PieceType.Unused || !reverseMerges.TryGetValue(id, out var parts))
            {
                ws.AddResult(symbol.Start, symbol.Length, id);
                continue;
            }
            stack.Push((parts.RightStart, parts.RightLength));
            stack.Push((parts.LeftStart, parts.LeftLength));
        }
    }

    private static void Push(ref BpeMergeCandidate[] heap, ref int count, in BpeMergeCandidate item)
    {
        if (count == heap.Length) Array.Resize(ref heap, count * 2);
        var i = count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!item.Before(heap[parent])) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = item;
    }

    private static BpeMergeCandidate Pop(BpeMergeCandidate[] heap, ref int count)
    {
        var top = heap[0];
        var last = heap[--count];
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= count) break;
            if (child + 1 < count && heap[child + 1].Before(heap[child])) child++;
            if (!heap[child].Before(last)) break;
            heap[i] = heap[child];
            i = child;
        }
        if (count > 0) heap[i] = last;
        return top;
    }
}
