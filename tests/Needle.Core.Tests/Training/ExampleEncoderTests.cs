using Needle.Core.Data;
using Needle.Core.Json;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class ExampleEncoderTests
{
    [Fact]
    public void Char_classes_and_piece_alignment_match_the_reference()
    {
        foreach (var c in TrainingFixtures.Data.GetProperty("loss_classes").EnumerateArray())
        {
            string answer = c.GetProperty("answer").GetString()!;
            var chars = LossClasses.CharClasses(answer);
            Assert.Equal(c.GetProperty("char_classes").Ints(), chars.Select(x => (int)x).ToArray());
            var pieces = c.GetProperty("pieces").EnumerateArray().Select(p => p.GetString()!).ToList();
            var tokens = LossClasses.AlignToPieces(answer, chars, pieces, pieces.Count);
            Assert.Equal(c.GetProperty("token_classes").Ints(), tokens.Select(x => (int)x).ToArray());
        }
    }

    [Fact]
    public void Tools_shuffle_matches_numpy_random_state()
    {
        foreach (var c in TrainingFixtures.Data.GetProperty("shuffle_tools").EnumerateArray())
        {
            var tools = PyJson.CompactOrSame(c.GetProperty("tools").GetString()!);
            Assert.Equal(c.GetProperty("expected").GetString(), ToolsShuffler.Shuffle(tools, c.GetProperty("seed").GetUInt32()));
        }
    }

    private static ToolCallExample Ex(string query, string answers, string tools = "[{\"name\": \"get_weather\", \"parameters\": {\"location\": {}}}]") =>
        new() { Query = query, Tools = tools, Answers = answers };

    [Fact]
    public void Layout_is_query_tools_marker_tools_and_shifted_decoder_with_eos()
    {
        var tok = new FakeTokenizer("\"name\"", "get_weather", "Paris");
        var ex = Ex("weather Paris?", "[{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris\"}}]");
        var e = ExampleEncoder.Prepare([ex], tok, new ExampleEncoderOptions { ShuffleTools = false }).Examples.Single();

        Assert.Equal("[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Paris\"}}]", e.AnswerText);
        Assert.Equal("[{\"name\":\"get_weather\",\"parameters\":{\"location\":{}}}]", e.ToolsText);
        int[] q = tok.Encode(ex.Query), t = tok.Encode(e.ToolsText), a = tok.Encode(e.AnswerText);
        Assert.Equal([.. q, SpecialTokens.Tools, .. t], e.Enc);
        Assert.Equal([SpecialTokens.Eos, SpecialTokens.ToolCall, .. a], e.DecIn);
        Assert.Equal([SpecialTokens.ToolCall, .. a, SpecialTokens.Eos], e.DecTgt);
        Assert.Equal(e.DecIn[1..], e.DecTgt[..^1]);   // targets are the inputs shifted by one

        // Loss classes: <tool_call> and EOS are structure; the name piece is Name, "Paris" Value, "location" Key.
        Assert.Equal(0, e.LossClasses[0]);
        Assert.Equal(0, e.LossClasses[^1]);
        var expectedInner = LossClasses.AlignToPieces(e.AnswerText, LossClasses.CharClasses(e.AnswerText), a.Select(tok.IdToPiece).ToList(), a.Length);
        Assert.Equal(expectedInner, e.LossClasses[1..^1]);
        Assert.Contains((sbyte)TokenClass.Name, e.LossClasses);
        Assert.Contains((sbyte)TokenClass.Value, e.LossClasses);
        Assert.Contains((sbyte)TokenClass.Key, e.LossClasses);
        Assert.Equal(1, e.ToolCallCount);
    }

    [Fact]
    public void Long_queries_and_tools_are_truncated_and_long_answers_dropped()
    {
        var tok = new FakeTokenizer();
        var opts = new ExampleEncoderOptions { MaxEncLen = 16, MaxDecLen = 12, ShuffleTools = false };
        var longQuery = Ex(new string('q', 40), "[]");
        var shortQuery = Ex("hi", "[]", tools: "[{\"name\":\"abcdefghijklmnopqrstuvwxyz\"}]");
        var tooLong = Ex("hi", "[{\"name\":\"x\"}]");           // ▁ + 14 chars = 15 tokens: dropped
        var oneOver = Ex("hi", "[1,2,3,4]");                     // ▁ + 9 chars = 10 tokens, 10 + 3 > 12: dropped
        var fits = Ex("hi", "[1,2,33]");                         // 9 tokens, 9 + 3 = 12: kept
        var r = ExampleEncoder.Prepare([longQuery, shortQuery, tooLong, oneOver, fits], tok, opts);
        Assert.Equal(2, r.Skipped);
        Assert.Equal([0, 1, 4], r.KeptIndices);
        var e0 = r.Examples[0];
        Assert.Equal(16, e0.Enc.Length);                          // 14 query tokens + <tools> + 1 tools token
        Assert.Equal(SpecialTokens.Tools, e0.Enc[14]);
        var e1 = r.Examples[1];
        Assert.Equal(16, e1.Enc.Length);                          // 3 query tokens + <tools> + 12 tools tokens
        Assert.Equal(SpecialTokens.Tools, e1.Enc[3]);
        Assert.Equal(11, r.Examples[2].DecIn.Length);
    }

    [Fact]
    public void Tools_are_shuffled_with_the_example_position_as_seed()
    {
        var tools = "[{\"name\":\"a\",\"description\":\"x\",\"parameters\":{\"p\":{},\"q\":{},\"r\":{}}},{\"name\":\"b\"},{\"name\":\"c\"}]";
        var tok = new FakeTokenizer();
        var r = ExampleEncoder.Prepare(Enumerable.Range(0, 4).Select(_ => Ex("q", "[]", tools)).ToList(), tok);
        for (int i = 0; i < 4; i++) Assert.Equal(ToolsShuffler.Shuffle(tools, (uint)i), r.Examples[i].ToolsText);
        Assert.True(r.Examples.Select(e => e.ToolsText).Distinct().Count() > 1);
    }

    [Fact]
    public void Loss_weights_map_classes_to_finetune_weights()
    {
        Assert.Equal([1f, 2f, 4f, 1.5f], LossWeights.Finetune.Apply([0, 1, 2, 3]));
        Assert.Equal([1f, 1f], LossWeights.Uniform.Apply([3, 2]));
    }
}
