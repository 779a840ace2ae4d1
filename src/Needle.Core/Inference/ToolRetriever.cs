using System.Numerics.Tensors;
using Needle.Core.Json;
using Needle.Core.Tokenization;

namespace Needle.Core.Inference;

/// <summary>One ranked tool: its position in the input list and its cosine score.</summary>
public readonly record struct RetrievedTool(int Index, float Score);

/// <summary>
/// Upstream's encode_for_retrieval / retrieve_tools (needle-model.md §9.2): texts are tokenized (no specials),
/// truncated to 256 tokens and embedded with the contrastive head (unit vectors), scored by dot product.
/// </summary>
public sealed class ToolRetriever(INeedleModel model, ITokenizer tokenizer)
{
    public const int MaxTokens = 256;
    public const int DefaultTopK = 5;

    private readonly INeedleModel _model = model ?? throw new ArgumentNullException(nameof(model));
    private readonly ITokenizer _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <summary>The unit embedding (contrastive_dim) of one text.</summary>
    public float[] Embed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _tokenizer.Encode(text);
        return _model.EncodeContrastive(ids.Length > MaxTokens ? ids[..MaxTokens] : ids);
    }

    /// <summary>The top <paramref name="topK"/> tool texts by score, best first; equal scores keep input order.</summary>
    public IReadOnlyList<RetrievedTool> Retrieve(string query, IReadOnlyList<string> toolTexts, int topK = DefaultTopK)
    {
        ArgumentNullException.ThrowIfNull(toolTexts);
        if (topK < 0) throw new ArgumentException($"topK must be non-negative (got {topK}).", nameof(topK));
        var q = Embed(query);
        var scored = new RetrievedTool[toolTexts.Count];
        for (int i = 0; i < scored.Length; i++)
        {
            var t = Embed(toolTexts[i]);
            if (t.Length != q.Length)
                throw new InvalidOperationException($"Embedding sizes differ: query {q.Length}, tool {i} {t.Length}.");
            scored[i] = new RetrievedTool(i, TensorPrimitives.Dot<float>(q, t));
        }
        return scored.OrderByDescending(s => s.Score).Take(topK).ToArray(); // OrderBy is stable
    }

    /// <summary>Ranks the tools of a tools-JSON array; each tool's text is its compact JSON, as upstream embeds it.</summary>
    public IReadOnlyList<RetrievedTool> Retrieve(string query, string toolsJson, int topK = DefaultTopK) =>
        Retrieve(query, ToolTexts(toolsJson), topK);

    /// <summary>The compact JSON of each element of a tools array.</summary>
    public static IReadOnlyList<string> ToolTexts(string toolsJson)
    {
        ArgumentNullException.ThrowIfNull(toolsJson);
        if (!PyJson.TryLoads(toolsJson, out var v) || v is not PyJsonArray tools)
            throw new ArgumentException("The tools JSON must be an array.", nameof(toolsJson));
        return tools.Items.Select(PyJson.Dumps).ToArray();
    }
}
