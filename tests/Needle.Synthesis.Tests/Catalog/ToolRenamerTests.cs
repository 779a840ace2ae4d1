using System.Text.Json.Nodes;
using Needle.Core.Data;
using Needle.Core.Tools;
using Needle.Synthesis.Catalog;
using Needle.Tests;

namespace Needle.Synthesis.Tests.Catalog;

public sealed class ToolRenamerTests
{
    private static readonly ToolCatalog Catalog = ToolCatalog.Load(RepoPaths.Combine("src", "Needle.Synthesis", "Catalog", "Data"));

    private static List<CatalogTool> TrainPool => Catalog.Tools.Where(t => !Catalog.HeldOutNames.Contains(t.Tool.Name)).ToList();

    [Fact]
    public void Renamed_examples_stay_valid_and_rename_calls_and_arguments_consistently()
    {
        var plain = new PretrainCorpus(TrainPool, new PretrainCorpusOptions { Seed = 5 }).Take(300).ToList();
        var renamed = new PretrainCorpus(TrainPool, new PretrainCorpusOptions { Seed = 5, RenameProbability = 0.5 }).Take(300).ToList();
        var realNames = TrainPool.Select(t => t.Tool.Name).ToHashSet();
        int changed = 0;
        for (int i = 0; i < plain.Count; i++)
        {
            var (p, r) = (plain[i], renamed[i]);
            Assert.Equal(p.Query, r.Query); // renaming never changes which example is drawn
            var tools = r.Tools == "[]" ? [] : ToolSchemaParser.Parse(r.Tools).Tools;
            Assert.Equal(tools.Count, tools.Select(t => t.Name).Distinct().Count());
            var answers = JsonNode.Parse(r.Answers)!.AsArray();
            var check = ToolCallValidator.ValidateAnswers(answers, tools);
            Assert.True(check.IsValid, $"{r.Query} => {r.Answers} over {r.Tools}: {check.Rejection}");
            var before = JsonNode.Parse(p.Answers)!.AsArray();
            Assert.Equal(before.Count, answers.Count);
            for (int c = 0; c < answers.Count; c++)
            {
                // Same values in the same order; only names may differ.
                var v0 = before[c]!["arguments"]!.AsObject().Select(kv => kv.Value!.ToJsonString());
                var v1 = answers[c]!["arguments"]!.AsObject().Select(kv => kv.Value!.ToJsonString());
                Assert.Equal(v0, v1);
            }
            if (r.SplitKey is null) { Assert.Equal(p.Tools, r.Tools); continue; }
            changed++;
            Assert.True(r.SynthTools);
            Assert.Equal(before.Count > 0 ? (string)before[0]!["name"]! : PerToolSplit.NoToolBucket, r.SplitKey);
        }
        Assert.InRange(changed, 90, 200);
        Assert.Contains(renamed, r => r.SplitKey is not null && ToolSchemaParser.Parse(r.Tools).Tools.Any(t => !realNames.Contains(t.Name)));
    }

    [Fact]
    public void Per_tool_split_groups_by_split_key_when_given()
    {
        static ToolCallExample Example(string name, string? key) =>
            new() { Query = "q", Tools = "[]", Answers = $"[{{\"name\":\"{name}\",\"arguments\":{{}}}}]", SplitKey = key };
        var examples = Enumerable.Range(0, 30).Select(i => Example($"made_up_{i}", "set_timer")).ToList();
        var split = PerToolSplit.Split(examples, valPerTool: 2, testPerTool: 1);
        // One bucket of 30: 1 test, 2 val, 27 train (without the key: 30 singleton buckets, all test).
        Assert.Equal((1, 2, 27), (split.Test.Count, split.Val.Count, split.Train.Count));
    }
}
