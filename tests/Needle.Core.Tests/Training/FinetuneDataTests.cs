using Needle.Core.Data;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class FinetuneDataTests
{
    private static ToolCallExample Ex(string tool, int i) => new()
    {
        Query = $"please {tool} number {i}",
        Tools = $"[{{\"name\":\"{tool}\",\"parameters\":{{\"n\":{{}}}}}}]",
        Answers = $"[{{\"name\":\"{tool}\",\"arguments\":{{\"n\":{i}}}}}]",
    };

    [Fact]
    public void Prepares_split_encoded_packed_data_and_a_plan_with_upstream_log_lines()
    {
        var examples = Enumerable.Range(0, 30).Select(i => Ex("alpha", i)).Concat(Enumerable.Range(0, 6).Select(i => Ex("beta", i))).ToList();
        var logs = new List<string>();
        var d = FinetuneData.Prepare(examples, new FakeTokenizer(), new FinetuneDataOptions { BuildContrastive = true }, logs.Add);
        var split = PerToolSplit.Split(examples);
        Assert.Equal(split.Train.Count, d.Train.Count);
        Assert.Equal(10 + 2, d.Test.Count);                 // alpha 10, beta max(1, 6 // 3)
        Assert.Contains($"Split: {d.Train.Count} train / {d.Val.Count} val / {d.Test.Count} test (per-tool)", logs);
        Assert.Contains($"Tokenized: {d.Train.Count} train / {d.Val.Count} val sequences", logs);
        Assert.Contains("Validated: 36 examples, 2 tools, 0 duplicates", logs);
        Assert.Equal(d.TrainEncoded.Examples.Count, d.TrainBins.Contents.Sum(c => c.Count));
        Assert.Equal(d.TrainBins.Count, d.Plan.Bins);
        Assert.True(d.Plan.TotalSteps >= 1);
        Assert.Equal(d.Val, d.KeptVal);
        Assert.Equal(d.Train.Count, d.Contrastive!.Queries.Count);
        Assert.All(d.Contrastive.IsPositive, Assert.True);
    }

    [Fact]
    public void Unusable_data_fails_with_a_message_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("needle-ft-");
        try
        {
            var path = Path.Combine(dir.FullName, "data.jsonl");
            ExampleJsonlWriter.Write(path, [Ex("a", 1), Ex("a", 2)]);
            var e = Assert.Throws<InvalidDataException>(() => FinetuneData.Prepare(path, new FakeTokenizer()));
            Assert.Contains(path, e.Message);
            Assert.Contains("at least 3", e.Message);

            // Answers too long for a tiny decoder: nothing left to train on.
            ExampleJsonlWriter.Write(path, Enumerable.Range(0, 5).Select(i => Ex("a", i)));
            var opts = new FinetuneDataOptions { Encoder = new ExampleEncoderOptions { MaxDecLen = 8 } };
            e = Assert.Throws<InvalidDataException>(() => FinetuneData.Prepare(path, new FakeTokenizer(), opts));
            Assert.Contains("0 training sequences", e.Message);
        }
        finally { dir.Delete(true); }
    }
}
