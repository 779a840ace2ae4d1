using System.Text;

namespace Needle.Core.Tokenization;

/// <summary>
/// A SentencePiece tokenizer read from a .model file (ModelProto), giving the same ids, pieces and decoded text as
/// sentencepiece 0.1.97 (EncodeAsIds / EncodeAsPieces / DecodeIds). BPE models only; unigram, word and char models
/// are refused with NotSupportedException. Thread-safe: the model is immutable and scratch space is per thread.
/// </summary>
/// <remarks>
/// Encoding works on the UTF-8 bytes of the text, as sentencepiece does. A .NET string may hold lone surrogates that
/// Python cannot: they are encoded as U+FFFD (what Encoding.UTF8 writes), which is what sentencepiece would see for
/// such bytes after its own invalid-UTF-8 replacement.
/// </remarks>
public sealed class SentencePieceTokenizer : ITokenizer
{
    /// <summary>sentencepiece's default unknown surface, " \u2047 " (used when the model sets no unk_surface).</summary>
    private static readonly byte[] DefaultUnknownSurface = Encoding.UTF8.GetBytes(" \u2047 ");

    private readonly VocabIndex _vocab;
    private readonly BpeModel _bpe;
    private readonly SentencePieceNormalizer _normalizer;
    private readonly SentencePieceNormalizer? _denormalizer;
    private readonly bool _byteFallback;
    private readonly bool _decodeStripsLeadingSpace, _decodeStripsAllLeadingSpaces;
    private readonly byte[] _unknownSurface;
    private readonly int[] _decodeIds;      // PieceToId(IdToPiece(id)), the id Decode really looks at
    private readonly string[] _pieceTexts;  // see PieceText

    private SentencePieceTokenizer(ModelProto model, string name)
    {
        Name = name;
        _vocab = new VocabIndex(model, name);
        var type = model.TrainerSpec.ModelType;
        if (type != SentencePieceModelType.Bpe)
            throw new NotSupportedException($"{name}: SentencePiece model type {type.ToString().ToUpperInvariant()} is not supported; only BPE models are.");
        ModelType = type;
        _bpe = new BpeModel(_vocab);
        _byteFallback = model.TrainerSpec.ByteFallback;
        var spec = model.NormalizerSpec;
        _normalizer = new SentencePieceNormalizer(spec, PrecompiledCharsMap.Parse(spec.PrecompiledCharsMap, name), _vocab.UserSymbols,
            model.TrainerSpec.TreatWhitespaceAsSuffix);
        if (model.DenormalizerSpec is { PrecompiledCharsMap.Length: > 0 } denormalizer)
            _denormalizer = new SentencePieceNormalizer(denormalizer, PrecompiledCharsMap.Parse(denormalizer.PrecompiledCharsMap, name), null, false);
        NormalizerName = spec.Name;
        AddDummyPrefix = spec.AddDummyPrefix;
        RemoveExtraWhitespaces = spec.RemoveExtraWhitespaces;
        EscapeWhitespaces = spec.EscapeWhitespaces;
        _decodeStripsLeadingSpace = spec.AddDummyPrefix || spec.RemoveExtraWhitespaces;
        _decodeStripsAllLeadingSpaces = spec.RemoveExtraWhitespaces;
        _unknownSurface = model.TrainerSpec.UnkSurface ?? DefaultUnknownSurface;

        UnkId = SpecialId(model.TrainerSpec.UnkPiece, "<unk>", PieceType.Unknown);
        BosId = SpecialId(model.TrainerSpec.BosPiece, "<s>", PieceType.Control);
        EosId = SpecialId(model.TrainerSpec.EosPiece, "</s>", PieceType.Control);
        PadId = SpecialId(model.TrainerSpec.PadPiece, "<pad>", PieceType.Control);

        _decodeIds = new int[_vocab.Count];
        _pieceTexts = new string[_vocab.Count];
        for (var id = 0; id < _vocab.Count; id++)
        {
            _decodeIds[id] = _vocab.PieceToId(_vocab.Utf8[id]);
            _pieceTexts[id] = _vocab.Types[id] switch
            {
                PieceType.Control or PieceType.Unknown => "",
                PieceType.Byte => ((char)_vocab.ByteValues[id]).ToString(),
                _ => _vocab.Pieces[id].Replace('\u2581', ' '),
            };
        }
    }

    /// <summary>Reads a .model file. Throws FileNotFoundException, InvalidDataException (bad file) or NotSupportedException (not BPE).</summary>
    public static SentencePieceTokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromBytes(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a serialized ModelProto; <paramref name="nameForErrors"/> names it in exception messages.</summary>
    public static SentencePieceTokenizer FromBytes(byte[] data, string nameForErrors)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(nameForErrors);
        return new SentencePieceTokenizer(ModelProtoReader.Read(data, nameForErrors), nameForErrors);
    }

    /// <summary>The file (or name) this model was read from.</summary>
    public string Name { get; }

    public SentencePieceModelType ModelType { get; }
    public int VocabSize => _vocab.Count;
    public bool ByteFallback => _byteFallback;
    public string NormalizerName { get; }
    public bool AddDummyPrefix { get; }
    public bool RemoveExtraWhitespaces { get; }
    public bool EscapeWhitespaces { get; }

    /// <summary>Special ids as sentencepiece reports them: -1 when the model lacks the piece (or it has the wrong type).</summary>
    public int UnkId { get; }
    public int BosId { get; }
    public int EosId { get; }
    public int PadId { get; }

    public PieceType GetPieceType(int id) => _vocab.Types[CheckId(id)];
    public float GetScore(int id) => _vocab.Scores[CheckId(id)];
    public bool IsControl(int id) => GetPieceType(id) == PieceType.Control;
    public bool IsUnknown(int id) => GetPieceType(id) == PieceType.Unknown;
    public bool IsByte(int id) => GetPieceType(id) == PieceType.Byte;

    /// <summary>The byte a &lt;0xNN&gt; piece stands for, or -1 for other pieces.</summary>
    public int ByteValue(int id) => _vocab.ByteValues[CheckId(id)];

    public string IdToPiece(int id) => _vocab.Pieces[CheckId(id)];

    public int PieceToId(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        return _vocab.PieceToId(Encoding.UTF8.GetBytes(piece));
    }

    /// <summary>
    /// The text an id contributes, for constrained decoding (needle-model.md, "Token strings"):
    /// control and unknown pieces give ""; a byte piece &lt;0xNN&gt; gives the single char (char)NN (bytes ≥ 0x80 become
    /// Latin-1 chars, not UTF-8 — a multi-byte character is spread over several ids); any other piece gives its
    /// string with every "▁" (U+2581) replaced by a space, user-defined pieces literally (e.g. "&lt;tool_call&gt;").
    /// The leading-space stripping that Decode does at the start of a text is NOT applied.
    /// </summary>
    public string PieceText(int id) => _pieceTexts[CheckId(id)];

    // ------------------------------------------------------------------------------------------------------------
    // Encoding

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ws = EncodeWorkspace.Current;
        ws.Ids.Clear();
        EncodeCore(text, ws, ws.Ids, pieces: null);
        return ws.Ids.ToArray();
    }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="output"/> (no allocation once warm).</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        EncodeCore(text, EncodeWorkspace.Current, output, pieces: null);
    }

    /// <summary>The pieces of <paramref name="text"/>, exactly as EncodeAsPieces gives them.</summary>
    /// <remarks>Without byte fallback, a run of unknown characters is one piece spelling the run (id = unknown).</remarks>
    public string[] EncodeAsPieces(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        var pieces = new List<string>();
        EncodeCore(text, EncodeWorkspace.Current, ids, pieces);
        return pieces.ToArray();
    }

    private void EncodeCore(ReadOnlySpan<char> text, EncodeWorkspace ws, List<int> ids, List<string>? pieces)
    {
        var utf8Length = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (ws.Utf8.Length < utf8Length) ws.Utf8 = new byte[Math.Max(utf8Length, ws.Utf8.Length * 2)];
        utf8Length = Encoding.UTF8.GetBytes(text, ws.Utf8);
        var length = _normalizer.Normalize(ws.Utf8.AsSpan(0, utf8Length), ref ws.Normalized);
        _bpe.Encode(ws, length);

        // PopulateSentencePieceText: unknown pieces become bytes (byte fallback) or merge with a preceding unknown.
        var isPrevUnknown = false;
        var unknownRunStart = 0;
        for (var i = 0; i < ws.ResultCount; i++)
        {
            var id = ws.ResultId[i];
            var type = _vocab.Types[id];
            var isUnknown = type == PieceType.Unknown;
            if (type != PieceType.Control && isUnknown && _byteFallback)
            {
                var start = ws.ResultStart[i];
                for (var k = 0; k < ws.ResultLength[i]; k++)
                {
                    var byteId = _vocab.ByteIds[ws.Normalized[start + k]];
                    ids.Add(byteId);
                    pieces?.Add(_vocab.Pieces[byteId]);
                }
            }
            else if (type != PieceType.Control && isPrevUnknown && isUnknown)
            {
                if (pieces is not null)
                    pieces[^1] = Encoding.UTF8.GetString(ws.Normalized, unknownRunStart, ws.ResultStart[i] + ws.ResultLength[i] - unknownRunStart);
            }
            else
            {
                ids.Add(id);
                if (pieces is not null)
                {
                    pieces.Add(Encoding.UTF8.GetString(ws.Normalized, ws.ResultStart[i], ws.ResultLength[i]));
                    unknownRunStart = ws.ResultStart[i];
                }
            }
            isPrevUnknown = isUnknown;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Decoding

    /// <summary>
    /// DecodeIds: control ids render as nothing, the unknown id as the model's unk_surface (default " \u2047 "),
    /// runs of byte pieces as UTF-8 with each invalid byte replaced by U+FFFD, other pieces with "▁" → " ", and a
    /// leading "▁" dropped as sentencepiece does (the first one with add_dummy_prefix; every one before the first
    /// visible text with remove_extra_whitespaces).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">an id outside [0, VocabSize).</exception>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new List<byte>(ids.Length * 4);
        var byteStart = 0;
        var isBosWhitespace = true;
        var bosWhitespaceSeen = false;
        for (var i = 0; i < ids.Length; i++)
        {
            var id = _decodeIds[CheckId(ids[i])];
            if (_vocab.Types[id] == PieceType.Byte) continue;
            AppendBytePieces(ids[byteStart..i], text);
            if (bosWhitespaceSeen || text.Count > 0) isBosWhitespace = false;
            byteStart = i + 1;
            bosWhitespaceSeen = AppendPiece(id, isBosWhitespace, text);
        }
        AppendBytePieces(ids[byteStart..], text);

        var bytes = text.ToArray();
        if (_denormalizer is not null)
        {
            var output = new byte[bytes.Length * 3 + 8];
            var length = _denormalizer.Normalize(bytes, ref output);
            bytes = output[..length];
        }
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Appends one non-byte piece; returns whether it consumed the beginning-of-sentence "▁".</summary>
    private bool AppendPiece(int id, bool isBosWhitespace, List<byte> text)
    {
        switch (_vocab.Types[id])
        {
            case PieceType.Control:
                return false;
            case PieceType.Unknown:
                text.AddRange(_unknownSurface);
                return false;
        }
        ReadOnlySpan<byte> piece = _vocab.Utf8[id];
        var consumed = false;
        if (isBosWhitespace && _decodeStripsLeadingSpace && piece.StartsWith(SentencePieceNormalizer.SpaceSymbol))
        {
            piece = piece[3..];
            consumed = !_decodeStripsAllLeadingSpaces;
        }
        while (!piece.IsEmpty)
        {
            var space = piece.IndexOf(SentencePieceNormalizer.SpaceSymbol);
            if (space < 0)
            {
                text.AddRange(piece);
                break;
            }
            text.AddRange(piece[..space]);
            text.Add((byte)' ');
            piece = piece[(space + 3)..];
        }
        return consumed;
    }

    /// <summary>A run of byte pieces as UTF-8, each structurally invalid byte replaced by U+FFFD.</summary>
    private void AppendBytePieces(ReadOnlySpan<int> ids, List<byte> text)
    {
        if (ids.IsEmpty) return;
        Span<byte> bytes = ids.Length <= 256 ? stackalloc byte[ids.Length] : new byte[ids.Length];
        for (var i = 0; i < ids.Length; i++) bytes[i] = (byte)_vocab.ByteValues[_decodeIds[ids[i]]];
        for (var offset = 0; offset < bytes.Length;)
        {
            if (Utf8Rules.TryDecode(bytes[offset..], out var length)) text.AddRange(bytes.Slice(offset, length));
            else text.AddRange(Utf8Rules.ReplacementCharacter);
            offset += length;
        }
    }

    private int SpecialId(byte[]? configured, string fallback, PieceType required)
    {
        var piece = configured is { Length: > 0 } ? configured : Encoding.UTF8.GetBytes(fallback);
        var id = _vocab.PieceToId(piece);
        return _vocab.Types[id] == required ? id : -1;
    }

    private int CheckId(int id)
    {
        if ((uint)id >= (uint)_vocab.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"id must be in [0, {_vocab.Count}) for {Name}");
        return id;
    }
}
