namespace Needle.Core.Tokenization;

/// <summary>
/// What the model, generation and training need from a tokenizer. Implemented by the SentencePiece BPE tokenizer;
/// ids must equal sentencepiece 0.1.97's for the same .model file.
/// </summary>
public interface ITokenizer
{
    int VocabSize { get; }

    /// <summary>Text to ids, exactly as sentencepiece's EncodeAsIds (no BOS/EOS added).</summary>
    int[] Encode(string text);

    /// <summary>Ids to text, exactly as sentencepiece's DecodeIds (control ids render as nothing).</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The piece string of an id, e.g. "▁Paris", "&lt;0x0A&gt;", "&lt;tool_call&gt;".</summary>
    string IdToPiece(int id);

    /// <summary>The id of a piece string, or the unknown id when absent.</summary>
    int PieceToId(string piece);
}
