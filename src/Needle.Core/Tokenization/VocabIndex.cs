using System.Text;

namespace Needle.Core.Tokenization;

/// <summary>
/// The pieces of a model and model_interface.cc's two maps: mergeable pieces (NORMAL, USER_DEFINED, UNUSED), which
/// BPE may form, and reserved ones (CONTROL, UNKNOWN, BYTE), which only PieceToId sees. Validates the vocabulary
/// the way InitializePieces does.
/// </summary>
internal sealed class VocabIndex
{
    public byte[][] Utf8 { get; }
    public string[] Pieces { get; }
    public float[] Scores { get; }
    public PieceType[] Types { get; }
    public PieceTable Mergeable { get; }
    public PieceTable Reserved { get; }
    public UserSymbolMatcher UserSymbols { get; }
    public int UnkId { get; }

    /// <summary>The byte of each BYTE piece, else -1.</summary>
    public int[] ByteValues { get; }

    /// <summary>The id of "&lt;0xNN&gt;" for each byte (the unknown id when absent).</summary>
    public int[] ByteIds { get; } = new int[256];

    public VocabIndex(ModelProto model, string nameForErrors)
    {
        var n = model.Pieces.Count;
        if (n == 0) throw TokenizerErrors.BadModel(nameForErrors, "the model has no pieces");
        // sentencepiece would default the spec (a unigram model), but trained files always carry one.
        if (!model.HasTrainerSpec) throw TokenizerErrors.BadModel(nameForErrors, "the model has no trainer_spec (truncated file?)");
        Utf8 = model.Pieces.Select(p => p.Utf8).ToArray();
        Pieces = Utf8.Select(b => Encoding.UTF8.GetString(b)).ToArray();
        Scores = model.Pieces.Select(p => p.Score).ToArray();
        Types = model.Pieces.Select(p => p.Type).ToArray();
        ByteValues = new int[n];

        var unk = -1;
        var bytesFound = new bool[256];
        for (var id = 0; id < n; id++)
        {
            if (Utf8[id].Length == 0) throw TokenizerErrors.BadModel(nameForErrors, $"piece {id} is empty");
            ByteValues[id] = -1;
            switch (Types[id])
            {
                case PieceType.Unknown:
                    if (unk >= 0) throw TokenizerErrors.BadModel(nameForErrors, $"a second unknown piece at id {id} (first at {unk})");
                    unk = id;
                    break;
                case PieceType.Byte:
                    if (!model.TrainerSpec.ByteFallback)
                        throw TokenizerErrors.BadModel(nameForErrors, $"byte piece {Pieces[id]} (id {id}) although byte_fallback is off");
                    var value = PieceToByte(Pieces[id]);
                    if (value < 0) throw TokenizerErrors.BadModel(nameForErrors, $"byte piece {Pieces[id]} (id {id}) is not <0xNN>");
                    ByteValues[id] = value;
                    bytesFound[value] = true;
                    break;
            }
        }
        Mergeable = new PieceTable(Utf8, id => IsMergeable(Types[id]), out var duplicate);
        if (duplicate >= 0) throw TokenizerErrors.BadModel(nameForErrors, $"piece \"{Pieces[duplicate]}\" (id {duplicate}) is defined twice");
        Reserved = new PieceTable(Utf8, id => !IsMergeable(Types[id]), out duplicate);
        if (duplicate >= 0) throw TokenizerErrors.BadModel(nameForErrors, $"piece \"{Pieces[duplicate]}\" (id {duplicate}) is defined twice");
        if (unk < 0) throw TokenizerErrors.BadModel(nameForErrors, "no piece has type UNKNOWN");
        UnkId = unk;
        if (model.TrainerSpec.ByteFallback && Array.IndexOf(bytesFound, false) is var missing and >= 0)
            throw TokenizerErrors.BadModel(nameForErrors, $"byte_fallback is on but there is no piece <0x{missing:X2}>");

        UserSymbols = new UserSymbolMatcher(Enumerable.Range(0, n).Where(id => Types[id] == PieceType.UserDefined).Select(id => Utf8[id]));
        for (var b = 0; b < 256; b++) ByteIds[b] = PieceToId(Encoding.ASCII.GetBytes($"<0x{b:X2}>"));
    }

    public int Count => Types.Length;

    /// <summary>ModelInterface::PieceToId: reserved pieces first, then mergeable ones, else the unknown id.</summary>
    public int PieceToId(ReadOnlySpan<byte> piece)
    {
        var id = Reserved.TryGet(piece);
        if (id >= 0) return id;
        id = Mergeable.TryGet(piece);
        return id >= 0 ? id : UnkId;
    }

    private static bool IsMergeable(PieceType type) => type is PieceType.Normal or PieceType.UserDefined or PieceType.Unused;

    /// <summary>"&lt;0x00&gt;" .. "&lt;0xFF&gt;" (upper-case hex, exactly as ByteToPiece writes them) to the byte, else -1.</summary>
    private static int PieceToByte(string piece)
    {
        if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>') return -1;
        var hi = HexDigit(piece[3]);
        var lo = HexDigit(piece[4]);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static int HexDigit(char c) => c is >= '0' and <= '9' ? c - '0' : c is >= 'A' and <= 'F' ? c - 'A' + 10 : -1;
}
