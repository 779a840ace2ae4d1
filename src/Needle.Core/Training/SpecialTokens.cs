namespace Needle.Core.Training;

/// <summary>Needle's fixed special ids (needle-model.md §0).</summary>
public static class SpecialTokens
{
    public const int Pad = 0;
    public const int Eos = 1;
    public const int Bos = 2;
    public const int Unk = 3;
    public const int ToolCall = 4;
    public const int Tools = 5;

    public const int MaxEncLen = 1024;
    public const int MaxDecLen = 512;
}
