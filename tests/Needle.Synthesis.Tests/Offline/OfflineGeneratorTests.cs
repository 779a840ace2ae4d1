using System.Text.Json.Nodes;
using Needle.Core.Tools;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Offline;
using Needle.Synthesis.Recipe;
using Needle.Synthesis.Records;
using Needle.Synthesis.Validation;

namespace Needle.Synthesis.Tests.Offline;

public sealed class OfflineGeneratorTests
{
    private static async Task<GenerationResult> Run(string toolsJson, int samples, int seed = 7)
    {
        var tools = ToolSchemaParser.Parse(toolsJson).Tools;
        var generator = new DataGenerator(new OfflineExampleSource(), new GenerationOptions { NumSamples = samples, Seed = seed });
        return await generator.GenerateAsync(tools);
    }

    [Theory]
    [MemberData(nameof(ToolSets.All), MemberType = typeof(ToolSets))]
    public async Task Every_example_validates_against_its_schema_and_is_grounded(int set, string toolsJson)
    {
        var tools = ToolSchemaParser.Parse(toolsJson).Tools;
        var result = await Run(toolsJson, 60 * tools.Count, seed: 100 + set);
        File.WriteAllLines(Path.Combine(Path.GetTempPath(), $"needle-offline-set{set}.txt"), result.Records.Select(r => $"[{r.CallType}] {r.Query}  =>  {r.Answers}"));
        Assert.Equal(60 * tools.Count, result.Records.Count);
        var byName = tools.ToDictionary(t => t.Name);
        foreach (var r in result.Records)
        {
            Assert.Equal(OfflineExampleSource.SourceName, r.Source);
            var answers = JsonNode.Parse(r.Answers)!.AsArray();
            var check = ToolCallValidator.ValidateAnswers(answers, tools);
            Assert.True(check.IsValid, $"{r.Query} => {r.Answers}: {check.Rejection}");
            Assert.Equal(r.Answers, check.Calls!.ToJsonString(ToolSchemaWriter.CompactOptions)); // nothing needed coercion
            foreach (var call in answers.OfType<JsonObject>())
            {
                // Strict grounding (no fuzzy matching) even for typo batches: offline values are quoted verbatim.
                var miss = Grounding.FindUngrounded(r.Query, call, byName[(string)call["name"]!], fuzzy: false);
                Assert.True(miss is null, $"{r.Query} => {miss}");
                foreach (var (name, value) in call["arguments"]!.AsObject())
                    if (value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String && byName[(string)call["name"]!].FindParameter(name)!.Enum is null)
                        Assert.Contains(v.GetValue<string>(), r.Query); // verbatim, same casing
            }
            if (r.CallType is "none" or "near_miss" or "no_tools") Assert.Equal("[]", r.Answers);
            else Assert.NotEqual("[]", r.Answers);
            var shown = ToolSchemaParser.Parse(r.Tools).Tools.Select(t => t.Name).ToList();
            Assert.Equal(r.CallType == "no_tools" ? [] : tools.Select(t => t.Name).ToList(), shown);
        }
        // Every tool is used, and queries are unique.
        Assert.All(result.Report.PerTool, t => Assert.True(t.Examples > 0, $"{t.Tool} unused"));
        Assert.Equal(result.Records.Count, result.Records.Select(r => ExampleValidator.DedupKey(r.Query)).Distinct().Count());
    }

    [Fact]
    public async Task Negatives_and_call_kinds_follow_the_upstream_mix()
    {
        var result = await Run(ToolSets.Assistant, 600);
        var share = (double)result.Report.NoCallExamples / result.Records.Count;
        Assert.InRange(share, 0.07, 0.25); // upstream: 3 of 21 batch kinds ≈ 14%
        var multi = result.Records.Count(r => JsonNode.Parse(r.Answers)!.AsArray().Count >= 2);
        Assert.True(multi > result.Records.Count / 5, $"only {multi} multi-call examples");
        foreach (var kind in new[] { "single", "multi", "multi_few_tools", "indirect", "disfluent", "garbled", "none", "near_miss", "no_tools" })
            Assert.Contains(result.Records, r => r.CallType == kind);
        Assert.All(result.Records.Where(r => r.CallType == "no_tools"), r => Assert.Equal(0, r.NumTools));
    }

    [Fact]
    public async Task Same_seed_gives_the_same_data_and_another_seed_differs()
    {
        var a = await Run(ToolSets.SmartHome, 90, seed: 3);
        var b = await Run(ToolSets.SmartHome, 90, seed: 3);
        var c = await Run(ToolSets.SmartHome, 90, seed: 4);
        Assert.Equal(a.Records.Select(SynthesisJsonl.ToLine), b.Records.Select(SynthesisJsonl.ToLine));
        Assert.NotEqual(a.Records.Select(r => r.Query), c.Records.Select(r => r.Query));
    }

    [Fact]
    public async Task Enums_bounds_and_nested_values_are_respected()
    {
        var result = await Run(ToolSets.SmartHome + "", 150);
        foreach (var r in result.Records)
            foreach (var call in JsonNode.Parse(r.Answers)!.AsArray())
            {
                var args = call!["arguments"]!.AsObject();
                if ((string)call["name"]! == "set_thermostat")
                {
                    Assert.InRange((int)args["temperature"]!, 50, 85);
                    if (args["mode"] is { } mode) Assert.Contains((string)mode!, new[] { "heat", "cool", "auto" });
                }
                if ((string)call["name"]! == "toggle_lights" && args["brightness"] is { } br) Assert.InRange((double)br, 0, 100);
                if ((string)call["name"]! == "lock_doors") Assert.Empty(args);
            }
    }

    [Fact]
    public void Description_verbs_drive_the_phrasing()
    {
        var tools = ToolSchemaParser.Parse(ToolSets.Assistant).Tools;
        Assert.Equal([("send", "a text message")], new ToolPhrasing(tools[1]).Forms);
        Assert.Equal([("get", "the current weather")], new ToolPhrasing(tools[0]).Forms);
        Assert.True(new ToolPhrasing(tools[0]).IsInfo);
        var shopping = ToolSchemaParser.Parse(ToolSets.Shopping).Tools;
        Assert.Equal([("add", "the items")], new ToolPhrasing(shopping[0]).Forms);
        var noDescription = new ToolPhrasing(new ToolDefinition { Name = "add_to_list" });
        Assert.Equal("to the list", noDescription.TrailingObject);
    }
}

public sealed class SynthesisRunTests
{
    [Fact]
    public async Task One_call_generates_offline_and_writes_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"needle-run-{Guid.NewGuid():N}.jsonl");
        try
        {
            var result = await SynthesisRun.GenerateAsync(ToolSets.OneTool, new Needle.Synthesis.Providers.ProviderSettings { Provider = Needle.Synthesis.Providers.SynthesisProvider.Offline },
                new GenerationOptions { NumSamples = 30 }, outputPath: path);
            Assert.Equal(30, result.Records.Count);
            var read = SynthesisJsonl.Read(path);
            Assert.Equal(result.Records, read);
            Assert.DoesNotContain("\\u0022", File.ReadAllText(path)); // quotes inside the JSON strings are written as \", readable
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task An_empty_tool_list_is_a_readable_error() =>
        await Assert.ThrowsAsync<ToolSchemaException>(() => SynthesisRun.GenerateAsync("[]", new Needle.Synthesis.Providers.ProviderSettings { Provider = Needle.Synthesis.Providers.SynthesisProvider.Offline }));
}
