using Needle.Core.Tokenization;

namespace Needle.Core.Inference;

/// <summary>The encoder sequence of needle-model.md §3.3 / §9.1: <c>query[:max−2] + [&lt;tools&gt;] + tools[:max − len(q) − 1]</c>.</summary>
public static class EncoderInput
{
    public const int PadId = NeedleInfo.TokenIds.Pad;
    public const int EosId = NeedleInfo.TokenIds.Eos;
    public const int ToolCallId = NeedleInfo.TokenIds.ToolCall;
    public const int ToolsId = NeedleInfo.TokenIds.Tools;

    /// <summary>Query and tools are tokenized separately (no BOS/EOS), then joined around the &lt;tools&gt; id.</summary>
    public static int[] Build(ITokenizer tokenizer, string query, string toolsJson, int maxEncLen = 1024)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (maxEncLen < 2) throw new ArgumentException($"maxEncLen must be at least 2 (got {maxEncLen}).", nameof(maxEncLen));
        var q = tokenizer.Encode(query);
        var t = tokenizer.Encode(toolsJson);
        int qLen = Math.Min(q.Length, maxEncLen - 2);
        int tLen = Math.Min(t.Length, maxEncLen - qLen - 1);
        var enc = new int[qLen + 1 + tLen];
        q.AsSpan(0, qLen).CopyTo(enc);
        enc[qLen] = ToolsId;
        t.AsSpan(0, tLen).CopyTo(enc.AsSpan(qLen + 1));
        return enc;
    }
}
