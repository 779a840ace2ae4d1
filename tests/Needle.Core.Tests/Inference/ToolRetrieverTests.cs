using Needle.Core.Inference;

namespace Needle.Core.Tests.Inference;

public sealed class ToolRetrieverTests
{
    [Fact]
    public void Ranks_tools_by_dot_product_best_first_with_stable_ties_and_top_k()
    {
        var tok = GeneratorTests.Tok;
        var seen = new List<int[]>();
        // Embedding: a unit vector chosen by the text's first token, so scores are known cosines.
        var model = new ScriptedModel(tok.VocabSize) { Embedder = ids =>
        {
            seen.Add(ids);
            return ids.Length > 0 && ids[0] == tok.Id("\u2581What") ? [1f, 0f] :
                   ids.Length > 0 && ids[0] == tok.Id("\u2581[{\"") ? [0.6f, 0.8f] : [0f, 1f];
        } };
        var r = new ToolRetriever(model, tok);
        var ranked = r.Retrieve("What", ["x", "[{\"", "y", "[{\""], topK: 3);
        Assert.Equal([1, 3, 0], ranked.Select(t => t.Index));
        Assert.Equal(0.6f, ranked[0].Score, 5);
        Assert.Equal(0f, ranked[2].Score, 5);
        Assert.Equal(5, seen.Count);
    }

    [Fact]
    public void Texts_are_truncated_to_256_tokens()
    {
        var tok = GeneratorTests.Tok;
        int length = -1;
        var model = new ScriptedModel(tok.VocabSize) { Embedder = ids => { length = ids.Length; return [1f]; } };
        new ToolRetriever(model, tok).Embed(string.Join(' ', Enumerable.Repeat("the", 400)));
        Assert.Equal(256, length);
    }

    [Fact]
    public void Tool_texts_are_compact_json_per_tool()
    {
        Assert.Equal(["""{"name":"a","parameters":{}}""", "3"], ToolRetriever.ToolTexts("""[{"name": "a", "parameters": {}}, 3]"""));
        Assert.Throws<ArgumentException>(() => ToolRetriever.ToolTexts("{}"));
    }
}
