namespace Needle.Core;

/// <summary>Facts about the Needle model family that every layer agrees on.</summary>
public static class NeedleInfo
{
    public const string Name = "Needle";
    public const string HuggingFaceRepo = "Cactus-Compute/needle";

    /// <summary>Special token ids of Needle's SentencePiece model.</summary>
    public static class TokenIds
    {
        public const int Pad = 0;
        public const int Eos = 1;
        public const int Bos = 2;
        public const int Unk = 3;
        public const int ToolCall = 4;
        public const int Tools = 5;
    }
}
