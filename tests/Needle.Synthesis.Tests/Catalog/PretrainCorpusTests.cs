using System.Text.Json.Nodes;
using Needle.Core.Tools;
using Needle.Synthesis.Catalog;
using Needle.Synthesis.Records;
using Needle.Tests;

namespace Needle.Synthesis.Tests.Catalog;

public sealed class PretrainCorpusTests
{
    private static readonly ToolCatalog Catalog = ToolCatalog.Load(RepoPaths.Combine("src", "Needle.Synthesis", "Catalog", "Data"));

    private static List<CatalogTool> TrainPool => Catalog.Tools.Where(t => !Catalog.HeldOutNames.Contains(t.Tool.Name)).ToList();

    [Fact]
    public void Records_validate_against_the_tools_they_show_and_mix_call_kinds()
    {
        var records = new PretrainCorpus(TrainPool, new PretrainCorpusOptions { Seed = 3 }).Take(400).ToList();
        Assert.Equal(400, records.Count);
        int calls = 0, none = 0, multi = 0, distractors = 0;
        foreach (var r in records)
        {
            var tools = r.Tools == "[]" ? [] : ToolSchemaParser.Parse(r.Tools).Tools;
            Assert.Equal(tools.Count, r.NumTools);
            Assert.DoesNotContain(tools, t => Catalog.HeldOutNames.Contains(t.Name)); // held-out tools never leak into training
            var answers = JsonNode.Parse(r.Answers)!.AsArray();
            var check = ToolCallValidator.ValidateAnswers(answers, tools);
            Assert.True(check.IsValid, $"{r.Query} => {r.Answers}: {check.Rejection}");
            if (answers.Count == 0) none++; else calls++;
            if (answers.Count > 1) multi++;
            var called = answers.Select(a => (string)a!["name"]!).ToHashSet();
            if (tools.Any(t => !called.Contains(t.Name)) && called.Count > 0) distractors++;
        }
        Assert.True(none > 20 && calls > 250 && multi > 50 && distractors > 150, $"none {none}, calls {calls}, multi {multi}, with distractors {distractors}");
        Assert.Contains(records, r => r.NumTools == 1);
        Assert.Contains(records, r => r.NumTools >= 5);
        Assert.True(records.Select(r => r.Query).Distinct().Count() > 390);
    }

    [Fact]
    public void Same_seed_same_stream_and_skip_resumes_mid_stream()
    {
        var a = new PretrainCorpus(TrainPool, new PretrainCorpusOptions { Seed = 11 }).Take(120).Select(SynthesisJsonl.ToLine).ToList();
        var b = new PretrainCorpus(TrainPool, new PretrainCorpusOptions { Seed = 11 }).Take(120).Select(SynthesisJsonl.ToLine).ToList();
        var c = new PretrainCorpus(TrainPool, new PretrainCorpusOptions { Seed = 12 }).Take(120).Select(SynthesisJsonl.ToLine).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        var resumed = new PretrainCorpus(TrainPool, new PretrainCorpusOptions { Seed = 11 }).Stream(skip: 70).Take(50).Select(SynthesisJsonl.ToLine).ToList();
        Assert.Equal(a.Skip(70), resumed);
    }
}
