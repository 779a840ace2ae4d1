using Needle.Core.Data;
using Needle.Core.Tokenization;
using Needle.Core.Training;
using Needle.Tests;

namespace Needle.Core.Tests.Training;

/// <summary>ExampleEncoder + SequencePacker with our SentencePiece tokenizer vs sentencepiece 0.1.97 on the Needle-like model.</summary>
public sealed class RealTokenizerEncodingTests
{
    private static readonly Lazy<SentencePieceTokenizer> Tokenizer = new(() =>
        SentencePieceTokenizer.Load(RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Tokenizer", "needle-like-8192.model")));

    [Fact]
    public void Prepared_examples_match_the_reference_token_for_token()
    {
        var r = TrainingFixtures.Load("encoding_reference.json");
        var examples = r.GetProperty("examples").EnumerateArray().Select(e => new ToolCallExample
        {
            Query = e.GetProperty("query").GetString()!, Tools = e.GetProperty("tools").GetString()!, Answers = e.GetProperty("answers").GetString()!,
        }).ToList();
        var prepared = ExampleEncoder.Prepare(examples, Tokenizer.Value);
        var expected = r.GetProperty("encoded").EnumerateArray().ToList();
        Assert.Equal(expected.Count, prepared.Examples.Count);
        Assert.Equal(examples.Count - expected.Count, prepared.Skipped);
        bool sawEveryClass = false;
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i]; var a = prepared.Examples[i];
            Assert.Equal(e.GetProperty("index").GetInt32(), a.SourceIndex);
            Assert.Equal(e.GetProperty("tools_text").GetString(), a.ToolsText);
            Assert.Equal(e.GetProperty("answer_text").GetString(), a.AnswerText);
            Assert.Equal(e.GetProperty("enc").Ints(), a.Enc);
            Assert.Equal(e.GetProperty("dec_in").Ints(), a.DecIn);
            Assert.Equal(e.GetProperty("dec_tgt").Ints(), a.DecTgt);
            Assert.Equal(e.GetProperty("classes").Ints(), a.LossClasses.Select(c => (int)c).ToArray());
            sawEveryClass |= a.LossClasses.Distinct().Count() == 4;
        }
        Assert.True(sawEveryClass);
        Assert.Contains(prepared.Examples, e => e.Enc.Length == SpecialTokens.MaxEncLen);   // the 1100-word query

        var bins = SequencePacker.Pack(prepared.Examples);
        var expectedBins = r.GetProperty("bins").EnumerateArray().Select(b => b.Ints()).ToList();
        Assert.Equal(expectedBins, bins.Contents.Select(c => c.ToArray()).ToList());
    }

    [Fact]
    public void Contrastive_arrays_and_batches_match_the_reference()
    {
        var r = TrainingFixtures.Load("encoding_reference.json");
        var examples = r.GetProperty("examples").EnumerateArray().Select(e => new ToolCallExample
        {
            Query = e.GetProperty("query").GetString()!, Tools = e.GetProperty("tools").GetString()!, Answers = e.GetProperty("answers").GetString()!,
        }).ToList();
        var prepared = ExampleEncoder.Prepare(examples, Tokenizer.Value);
        var data = ContrastiveData.Build(examples, prepared, Tokenizer.Value);
        var c = r.GetProperty("contrastive");
        Assert.Equal(c.GetProperty("queries").EnumerateArray().Select(q => q.Ints()).ToList(), data.Queries);
        Assert.Equal(c.GetProperty("tools").EnumerateArray().Select(q => q.Ints()).ToList(), data.Tools);
        Assert.Equal(c.GetProperty("tool_query").Ints(), data.ToolQuery);
        Assert.Equal(c.GetProperty("is_pos").EnumerateArray().Select(b => b.GetBoolean()), data.IsPositive);
        var batches = data.Batches(c.GetProperty("batch_size").GetInt32(), new NumpyRandomState(c.GetProperty("seed").GetUInt32())).ToList();
        var expected = c.GetProperty("batches").EnumerateArray().ToList();
        Assert.Equal(expected.Count, batches.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].GetProperty("queries").Ints(), batches[i].Queries);
            Assert.Equal(expected[i].GetProperty("tools").Ints(), batches[i].Tools);
        }
    }

    [Fact]
    public void Retrieval_recall_and_mrr_match_the_reference()
    {
        var r = TrainingFixtures.Load("encoding_reference.json").GetProperty("retrieval");
        var groups = r.GetProperty("groups").EnumerateArray()
            .Select(g => ((IReadOnlyList<float>)g.GetProperty("scores").Floats(), (IReadOnlySet<int>)g.GetProperty("pos").Ints().ToHashSet())).ToList();
        var m = RetrievalMetrics.Compute(groups);
        Assert.Equal(30, m.NumQueries);
        var recall = r.GetProperty("recall").Doubles();
        for (int k = 1; k <= 5; k++) Assert.Equal(recall[k - 1], m.RecallAtK[k], 12);
        Assert.Equal(r.GetProperty("mrr").GetDouble(), m.Mrr, 12);
        Assert.Equal(0, RetrievalMetrics.Compute([]).NumQueries);
    }
}
