using Needle.Core.Data;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class CheckpointNamingTests
{
    [Fact]
    public void Names_follow_upstream_and_best_resolution_keeps_its_lexicographic_quirk()
    {
        string run = CheckpointNaming.RunId(new DateTimeOffset(2026, 11, 22, 6, 7, 8, TimeSpan.Zero), 4242);
        Assert.Equal("20261122060708_4242", run);
        Assert.Equal("needle_finetuned_20261122060708_4242_12_512_99.pkl", CheckpointNaming.EpochCheckpoint(run, 12, 512, 99));
        var files = new[] { CheckpointNaming.EpochCheckpoint(run, 12, 512, 99), CheckpointNaming.EpochCheckpoint(run, 12, 512, 100), "other.pkl" };
        var (best, from) = CheckpointNaming.ResolveBest(files, run);
        Assert.Equal(files[0], from);   // "_99" sorts after "_100"
        Assert.Equal(CheckpointNaming.BestCheckpoint(run, 12, 512), best);
        Assert.Equal((CheckpointNaming.BestCheckpoint(run, 12, 512), (string?)null),
            CheckpointNaming.ResolveBest([.. files, "/x/" + CheckpointNaming.BestCheckpoint(run, 12, 512)], run));
        Assert.Equal(((string?)null, (string?)null), CheckpointNaming.ResolveBest(["other.pkl"], run));
    }

    [Fact]
    public void Retrieval_groups_keep_only_queries_with_a_listed_positive_tool()
    {
        var ex = new[]
        {
            new ToolCallExample { Query = "a", Tools = "[{\"name\":\"x\"},{\"name\":\"y\"}]", Answers = "[{\"name\":\"y\"}]" },
            new ToolCallExample { Query = "b", Tools = "[{\"name\":\"x\"}]", Answers = "[{\"name\":\"z\"}]" },
            new ToolCallExample { Query = "c", Tools = "[]", Answers = "[{\"name\":\"x\"}]" },
            new ToolCallExample { Query = "d", Tools = "[{\"name\":\"x\"}]", Answers = "[]" },
        };
        var (q, t, p) = RetrievalMetrics.BuildGroups(ex);
        Assert.Equal(["a"], q);
        Assert.Equal(["{\"name\":\"x\"}", "{\"name\":\"y\"}"], t[0]);
        Assert.Equal([1], p[0]);
    }
}
