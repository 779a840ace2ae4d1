namespace Needle.Core.Training;

/// <summary>Needle's fixed special ids (needle-model.md §0); the values live in <see cref="NeedleInfo.TokenIds"/>.</summary>
public static class SpecialTokens
{
    public const int Pad = NeedleInfo.TokenIds.Pad;
    public const int Eos = NeedleInfo.TokenIds.Eos;
    public const int Bos = NeedleInfo.TokenIds.Bos;
    public const int Unk = NeedleInfo.TokenIds.Unk;
    public const int ToolCall = NeedleInfo.TokenIds.ToolCall;
    public const int Tools = NeedleInfo.TokenIds.Tools;

    public const int MaxEncLen = 1024;
    public const int MaxDecLen = 512;
}
