using Needle.Core.Data;
using Needle.Core.Json;
using Needle.Core.Tokenization;

namespace Needle.Core.Training;

/// <summary>
/// Upstream's <c>prepare_tool_call_pairs</c> (needle-model.md §3.1–3.4): compact the answers and tools JSON, shuffle
/// the tools with <c>RandomState(i)</c>, tokenize, lay out encoder/decoder sequences, drop over-long answers,
/// and label each target token with its loss class.
/// </summary>
public static class ExampleEncoder
{
    public static PreparedExamples Prepare(IReadOnlyList<ToolCallExample> examples, ITokenizer tokenizer, ExampleEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(tokenizer);
        options ??= new ExampleEncoderOptions();
        if (options.MaxEncLen < 2 || options.MaxDecLen < 3)
            throw new ArgumentException("MaxEncLen must be ≥ 2 and MaxDecLen ≥ 3.", nameof(options));
        var kept = new List<EncodedExample>(examples.Count);
        int skipped = 0;
        for (int i = 0; i < examples.Count; i++)
        {
            var e = Encode(i, examples[i], tokenizer, options);
            if (e is null) skipped++;
            else kept.Add(e);
        }
        return new PreparedExamples(kept, skipped);
    }

    /// <summary>One example at position <paramref name="index"/> (the shuffle seed), or null when the answer is too long.</summary>
    public static EncodedExample? Encode(int index, ToolCallExample example, ITokenizer tokenizer, ExampleEncoderOptions options)
    {
        string answer = PyJson.CompactOrSame(example.Answers);
        string tools = PyJson.CompactOrSame(example.Tools);
        if (options.ShuffleTools) tools = ToolsShuffler.Shuffle(tools, (uint)index);

        int maxTok = Math.Max(options.MaxEncLen, options.MaxDecLen);
        int[] q = Truncate(tokenizer.Encode(example.Query), maxTok);
        int[] t = Truncate(tokenizer.Encode(tools), maxTok);
        int[] aFull = tokenizer.Encode(answer);
        int[] a = Truncate(aFull, maxTok);

        // Decoder: dropped, not truncated, when [EOS, <tool_call>] + a + [EOS] would not fit.
        if (a.Length + 3 > options.MaxDecLen) return null;

        int qLen = Math.Min(q.Length, options.MaxEncLen - 2);
        int rest = Math.Min(t.Length, options.MaxEncLen - qLen - 1);
        var enc = new int[qLen + 1 + rest];
        q.AsSpan(0, qLen).CopyTo(enc);
        enc[qLen] = SpecialTokens.Tools;
        t.AsSpan(0, rest).CopyTo(enc.AsSpan(qLen + 1));

        var decIn = new int[a.Length + 2];
        var decTgt = new int[a.Length + 2];
        decIn[0] = SpecialTokens.Eos; decIn[1] = SpecialTokens.ToolCall;
        a.CopyTo(decIn, 2);
        decTgt[0] = SpecialTokens.ToolCall;
        a.CopyTo(decTgt, 1);
        decTgt[^1] = SpecialTokens.Eos;

        var classes = new sbyte[a.Length + 2];
        LossClasses.ForAnswerIds(answer, aFull, a.Length, tokenizer).CopyTo(classes, 1);   // upstream re-encodes: same pieces

        int calls = PyJson.TryLoads(answer, out var parsed) && parsed is PyJsonArray l ? l.Count : 0;
        return new EncodedExample(index, enc, decIn, decTgt, classes, calls, example.Query, tools, answer);
    }

    private static int[] Truncate(int[] ids, int max) => ids.Length <= max ? ids : ids[..max];
}
