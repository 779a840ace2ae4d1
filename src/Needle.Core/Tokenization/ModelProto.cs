namespace Needle.Core.Tokenization;

/// <summary>One ModelProto.SentencePiece. Strings are kept as the raw UTF-8 bytes of the file, as sentencepiece does.</summary>
internal sealed record ProtoPiece(byte[] Utf8, float Score, PieceType Type);

/// <summary>The TrainerSpec fields that change encoding or decoding (the rest is training-only and skipped).</summary>
internal sealed class ProtoTrainerSpec
{
    public SentencePieceModelType ModelType { get; set; } = SentencePieceModelType.Unigram;
    public int VocabSize { get; set; } = 8000;
    public bool ByteFallback { get; set; }
    public bool TreatWhitespaceAsSuffix { get; set; }

    // Null or empty means "use the default piece" (sentencepiece's RETURN_PIECE macro).
    public byte[]? UnkPiece { get; set; }
    public byte[]? BosPiece { get; set; }
    public byte[]? EosPiece { get; set; }
    public byte[]? PadPiece { get; set; }

    /// <summary>Null when the field is absent: decoding then uses " \u2047 " (has_unk_surface semantics).</summary>
    public byte[]? UnkSurface { get; set; }
}

/// <summary>NormalizerSpec, with proto2 defaults (add_dummy_prefix, remove_extra_whitespaces and escape_whitespaces on).</summary>
internal sealed class ProtoNormalizerSpec
{
    public string Name { get; set; } = "";
    public byte[] PrecompiledCharsMap { get; set; } = [];
    public bool AddDummyPrefix { get; set; } = true;
    public bool RemoveExtraWhitespaces { get; set; } = true;
    public bool EscapeWhitespaces { get; set; } = true;
}

/// <summary>The parsed ModelProto.</summary>
internal sealed class ModelProto
{
    public List<ProtoPiece> Pieces { get; } = [];
    public ProtoTrainerSpec TrainerSpec { get; set; } = new();

    /// <summary>Whether the file had a trainer_spec: every trained model has one, so its absence means a cut file.</summary>
    public bool HasTrainerSpec { get; set; }
    public ProtoNormalizerSpec NormalizerSpec { get; set; } = new();

    /// <summary>Null when absent.</summary>
    public ProtoNormalizerSpec? DenormalizerSpec { get; set; }
}
