namespace Needle.Core.Tokenization;

/// <summary>
/// Per-thread scratch arrays for one Encode call, grown on demand and reused, so steady-state encoding allocates
/// only its result array.
/// </summary>
internal sealed class EncodeWorkspace
{
    [ThreadStatic] private static EncodeWorkspace? _current;

    public static EncodeWorkspace Current => _current ??= new EncodeWorkspace();

    public byte[] Utf8 = new byte[256];        // the input text in UTF-8
    public byte[] Normalized = new byte[256];  // the normalized text

    // Symbols of the BPE merge loop: a doubly linked list over the normalized bytes.
    public int[] SymbolStart = new int[64];
    public int[] SymbolLength = new int[64];
    public int[] SymbolPrev = new int[64];
    public int[] SymbolNext = new int[64];
    public bool[] SymbolFrozen = new bool[64];

    // The agenda of candidate merges (a binary max-heap).
    public BpeMergeCandidate[] Heap = new BpeMergeCandidate[64];

    // The model's output: (start, length) in Normalized and the id of each final piece.
    public int[] ResultStart = new int[64];
    public int[] ResultLength = new int[64];
    public int[] ResultId = new int[64];
    public int ResultCount;

    public List<int> Ids = new(64);

    public void EnsureSymbols(int count)
    {
        if (SymbolStart.Length >= count) return;
        var size = Math.Max(count, SymbolStart.Length * 2);
        Array.Resize(ref SymbolStart, size);
        Array.Resize(ref SymbolLength, size);
        Array.Resize(ref SymbolPrev, size);
        Array.Resize(ref SymbolNext, size);
        Array.Resize(ref SymbolFrozen, size);
    }

    public void AddResult(int start, int length, int id)
    {
        if (ResultCount == ResultStart.Length)
        {
            var size = ResultCount * 2;
            Array.Resize(ref ResultStart, size);
            Array.Resize(ref ResultLength, size);
            Array.Resize(ref ResultId, size);
        }
        ResultStart[ResultCount] = start;
        ResultLength[ResultCount] = length;
        ResultId[ResultCount] = id;
        ResultCount++;
    }
}

/// <summary>A possible merge of two adjacent symbols into the piece of <see cref="Size"/> bytes.</summary>
internal struct BpeMergeCandidate
{
    public int Left, Right;
    public float Score;
    public int Size;

    /// <summary>bpe_model.cc's order: higher score first, then the leftmost pair.</summary>
    public readonly bool Before(in BpeMergeCandidate other) =>
        Score > other.Score || (Score == other.Score && Left < other.Left);
}
