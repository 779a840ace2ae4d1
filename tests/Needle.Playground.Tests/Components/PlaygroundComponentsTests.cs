using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Needle.Core.Tools;
using Needle.Playground.Components.Finetune;
using Needle.Playground.Components.Playground;
using Needle.Playground.Data;
using Needle.Playground.Models;
using Needle.Playground.Services;

namespace Needle.Playground.Tests.Components;

public sealed class PlaygroundComponentsTests : BunitContext
{
    private static PlaygroundRun Run(string query, string result, string format = "needle") => new(
        query, new GenerateResponse(result, NeedleGenerationService.ParseCalls(result), null, 412.3), "tiny.pkl", true,
        TimeSpan.FromMilliseconds(87.4), 9, format, format == "needle" ? [] : ["converted 'required' lists"], DateTimeOffset.UtcNow);

    [Fact]
    public void Run_result_shows_the_call_as_indented_json_with_latency_speed_and_model()
    {
        Services.AddSingleton(new RunHistory());
        var cut = Render<RunResult>(p => p.Add(r => r.Run, Run("Set a timer", """[{"name":"set_timer","arguments":{"time_human":"5 minutes"}}]""", "openai")));
        var pre = cut.Find("[data-testid=run-result]").TextContent;
        Assert.Contains("\n", pre);
        Assert.Contains("\"time_human\": \"5 minutes\"", pre);
        Assert.Equal("87 ms", cut.Find("[data-testid=latency]").TextContent);
        Assert.Equal("412 tok/s", cut.Find("[data-testid=tps]").TextContent);
        Assert.Contains("tiny.pkl", cut.Markup);
        Assert.Contains("openai", cut.Find("[data-testid=format-notice]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=run-error]"));
    }

    [Fact]
    public void Run_result_says_when_there_is_no_call_and_shows_errors_in_words()
    {
        Services.AddSingleton(new RunHistory());
        var refusal = Render<RunResult>(p => p.Add(r => r.Run, Run("Write a poem", "[]")));
        Assert.Contains("No tool call", refusal.Markup);
        var error = Render<RunResult>(p => p.Add(r => r.Error, "Tool 'a': \"parameters\" must be an object"));
        Assert.Equal("Tool 'a': \"parameters\" must be an object", error.Find("[data-testid=run-error]").TextContent);
    }

    [Fact]
    public void History_keeps_the_last_ten_runs_newest_first()
    {
        var history = new RunHistory();
        for (var i = 0; i < 12; i++) history.Add(Run($"q{i}", "[]"));
        var cut = Render<HistoryList>(p => p.Add(h => h.Runs, history.Recent()));
        var items = cut.FindAll(".history-q").Select(e => e.TextContent).ToList();
        Assert.Equal(RunHistory.Capacity, items.Count);
        Assert.Equal("q11", items[0]);
        Assert.Equal("q2", items[^1]);
    }

    [Fact]
    public void Tools_notice_names_the_detected_format_or_the_error()
    {
        var parsed = ToolSchemaParser.Parse("""[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}]""");
        var ok = Render<ToolsNotice>(p => p.Add(t => t.Parsed, parsed));
        Assert.Contains("1 tool", ok.Markup);
        Assert.Contains("openai", ok.Markup);
        var bad = Render<ToolsNotice>(p => p.Add(t => t.Error, "The tool list is not valid JSON"));
        Assert.Contains("not valid JSON", bad.Find("[role=alert]").TextContent);
    }

    [Fact]
    public void Presets_cover_the_common_domains_and_each_parses()
    {
        var labels = ToolPresets.All.Select(p => p.Label).ToList();
        foreach (var domain in new[] { "Weather", "Timers", "Messaging", "Smart home", "Calendar", "Music", "Navigation", "Shopping" })
            Assert.Contains(labels, l => l.Contains(domain, StringComparison.Ordinal));
        foreach (var p in ToolPresets.All) Assert.NotEmpty(ToolSchemaParser.Parse(p.ToolsJson).Tools);
    }

    [Fact]
    public void Finetune_panel_shows_base_vs_finetuned_per_tool_and_the_bundle_when_done()
    {
        var metrics = """
            {"baseModel":"tiny.pkl","step":4,"totalSteps":4,"loss":3.5,"checkpoint":"finetuned-j1/x.pkl","bundle":"bundles/b.zip",
             "base":{"callF1":0.25,"nameF1":0.5,"exactMatch":0,"parseRate":1,"argsAcc":0.1,"n":4,"perTool":{"set_timer":{"correct":1,"total":4}},"failures":[]},
             "finetuned":{"callF1":0.75,"nameF1":1,"exactMatch":0.5,"parseRate":1,"argsAcc":0.6,"n":4,"perTool":{"set_timer":{"correct":3,"total":4}},"failures":[{"query":"q","expected":"[]","got":"x","reasons":[]}]}}
            """;
        var job = new JobSummary("j1", JobKinds.Finetune, JobStatus.Succeeded, "done", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow,
            null, JsonDocument.Parse(metrics).RootElement, null);
        Services.AddSingleton<IJobService>(new OneJob(job));
        var cut = Render<FinetunePanel>(p => p.Add(f => f.JobId, "j1"));
        var rows = cut.FindAll("[data-testid=eval-table] tbody tr");
        Assert.Equal(5, rows.Count);
        Assert.Equal(["Call F1", "25.0%", "75.0%"], rows[0].Children.Select(c => c.TextContent).ToArray());
        Assert.Contains("1/4", cut.Markup);
        Assert.Contains("3/4", cut.Markup);
        Assert.Equal("/api/models/bundles/b.zip", cut.Find("[data-testid=download-bundle]").GetAttribute("href"));
        Assert.NotNull(cut.Find("[data-testid=load-finetuned]"));
        Assert.All(cut.FindAll(".step"), s => Assert.Contains("done", s.ClassList));
    }

    private sealed class OneJob(JobSummary job) : IJobService
    {
        public IReadOnlyList<JobKindInfo> Kinds { get; } = [];
        public JobSummary Start(string kind, JsonElement? settings = null, IReadOnlyDictionary<string, string>? secrets = null) => throw new NotSupportedException();
        public CancelOutcome Cancel(string id) => throw new NotSupportedException();
        public JobSummary? Restart(string id) => throw new NotSupportedException();
        public IReadOnlyList<JobSummary> List(int limit = 200) => [job];
        public JobSummary? Get(string id) => id == job.Id ? job : null;
        public JobDetail? GetDetail(string id) => null;
        public string DisplayName(string kind) => "Finetune";
    }
}
