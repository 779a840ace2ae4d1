namespace Needle.Core.Tokenization;

/// <summary>ModelProto.SentencePiece.Type: the numbers are the protobuf enum values.</summary>
public enum PieceType
{
    /// <summary>An ordinary piece that BPE can merge to.</summary>
    Normal = 1,

    /// <summary>The unknown piece (exactly one per model).</summary>
    Unknown = 2,

    /// <summary>Invisible symbols such as &lt;s&gt;, &lt;/s&gt;, &lt;pad&gt;: never produced by encoding, decoded to "".</summary>
    Control = 3,

    /// <summary>Symbols kept atomic in the input text, e.g. &lt;tool_call&gt;.</summary>
    UserDefined = 4,

    /// <summary>Pieces that BPE may form but then splits back into the two pieces they were merged from.</summary>
    Unused = 5,

    /// <summary>&lt;0x00&gt; .. &lt;0xFF&gt;: the UTF-8 bytes of characters missing from the vocabulary (byte fallback).</summary>
    Byte = 6,
}

/// <summary>TrainerSpec.ModelType: the numbers are the protobuf enum values.</summary>
public enum SentencePieceModelType
{
    Unigram = 1,
    Bpe = 2,
    Word = 3,
    Char = 4,
}
