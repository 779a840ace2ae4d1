using Needle.Core.Data;
using Needle.Core.Tests.Training;

namespace Needle.Core.Tests.Data;

public sealed class PerToolSplitTests
{
    [Fact]
    public void Split_matches_upstream_per_tool_split_including_fallback()
    {
        bool sawFallback = false;
        foreach (var c in TrainingFixtures.Data.GetProperty("split").EnumerateArray())
        {
            var examples = c.GetProperty("examples").EnumerateArray().Select(e => new ToolCallExample
            {
                Query = e.GetProperty("query").GetString()!,
                Tools = e.GetProperty("tools").GetString()!,
                Answers = e.GetProperty("answers").GetString()!,
            }).ToList();
            var expected = c.GetProperty("expected");
            var split = PerToolSplit.Split(examples);
            Assert.Equal(expected.GetProperty("train").Ints(), split.Train);
            Assert.Equal(expected.GetProperty("val").Ints(), split.Val);
            Assert.Equal(expected.GetProperty("test").Ints(), split.Test);
            Assert.Equal(expected.GetProperty("fallback").GetBoolean(), split.UsedFallback);
            sawFallback |= split.UsedFallback;
        }
        Assert.True(sawFallback);
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(2, 1, 1)]
    [InlineData(3, 1, 1)]
    [InlineData(19, 6, 4)]
    [InlineData(20, 10, 10)]
    [InlineData(120, 10, 10)]
    public void Bucket_sizes_follow_the_upstream_rules(int n, int test, int val) =>
        Assert.Equal((test, val), PerToolSplit.Sizes(n));

    [Fact]
    public void Too_little_data_is_refused_with_a_clear_error()
    {
        var two = Enumerable.Range(0, 2).Select(i => new ToolCallExample { Query = "q" + i, Tools = "[]", Answers = "[]" }).ToList();
        var ex = Assert.Throws<InvalidDataException>(() => PerToolSplit.Split(two));
        Assert.Contains("Not enough data", ex.Message);
    }
}
