using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Needle.Playground.Components.Jobs;
using Needle.Playground.Components.Models;
using Needle.Playground.Components.Shared;
using Needle.Playground.Data;
using Needle.Playground.Services;

namespace Needle.Playground.Tests.Components;

public sealed class JobsComponentsTests : BunitContext
{
    private static JobSummary Job(string id, JobStatus status, string? error = null, string? metrics = null) => new(
        id, "selftest", status, "training", DateTimeOffset.Parse("2026-01-02T03:04:05Z"),
        DateTimeOffset.Parse("2026-01-02T03:04:06Z"), status.IsActive() ? null : DateTimeOffset.Parse("2026-01-02T03:04:16Z"),
        null, metrics is null ? null : JsonDocument.Parse(metrics).RootElement, error);

    private sealed class FakeJobs(params JobSummary[] jobs) : IJobService
    {
        public IReadOnlyList<JobKindInfo> Kinds { get; } = [new("selftest", "Self-test")];
        public JobSummary Start(string kind, JsonElement? settings = null, IReadOnlyDictionary<string, string>? secrets = null) => throw new NotSupportedException();
        public CancelOutcome Cancel(string id) => throw new NotSupportedException();
        public JobSummary? Restart(string id) => throw new NotSupportedException();
        public IReadOnlyList<JobSummary> List(int limit = 200) => jobs;
        public JobSummary? Get(string id) => jobs.FirstOrDefault(j => j.Id == id);
        public JobDetail? GetDetail(string id) => null;
        public string DisplayName(string kind) => "Self-test";
    }

    [Theory]
    [InlineData(JobStatus.Queued, "queued")]
    [InlineData(JobStatus.Interrupted, "interrupted")]
    public void Status_badge_shows_the_lowercase_status_with_its_class(JobStatus status, string name)
    {
        var badge = Render<StatusBadge>(p => p.Add(b => b.Status, status)).Find("span");
        Assert.Equal(name, badge.TextContent);
        Assert.Contains($"status-{name}", badge.ClassList);
    }

    [Fact]
    public void Jobs_table_shows_each_job_with_metrics_or_error_and_polls_only_while_one_is_active()
    {
        Services.AddSingleton<IJobService>(new FakeJobs(
            Job("aaaaaaaaaaaa", JobStatus.Succeeded, metrics: """{"finalLoss":0.41234,"steps":80}"""),
            Job("bbbbbbbbbbbb", JobStatus.Failed, error: "Self-test failed on purpose")));
        var table = Render<JobsTable>();
        var rows = table.FindAll("tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Equal("/jobs/aaaaaaaaaaaa", rows[0].QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("finalLoss 0.4123 · steps 80", rows[0].TextContent);
        Assert.Contains("10.0 s", rows[0].TextContent);
        Assert.Contains("Self-test failed on purpose", rows[1].QuerySelector(".error-text")!.TextContent);
        Assert.Null(table.Find("#jobs-table").GetAttribute("hx-trigger"));
    }

    [Fact]
    public void Jobs_table_refreshes_itself_while_a_job_runs()
    {
        Services.AddSingleton<IJobService>(new FakeJobs(Job("cccccccccccc", JobStatus.Running)));
        var root = Render<JobsTable>().Find("#jobs-table");
        Assert.Equal("every 2s", root.GetAttribute("hx-trigger"));
        Assert.Equal("/ui/jobs/table", root.GetAttribute("hx-get"));
    }

    [Fact]
    public void Empty_jobs_table_says_how_to_start()
    {
        Services.AddSingleton<IJobService>(new FakeJobs());
        Assert.Contains("No jobs yet", Render<JobsTable>().Markup);
    }

    private sealed class FakeCatalog(params ModelFile[] files) : IModelCatalog
    {
        public string Root => "/nowhere";
        public IReadOnlyList<ModelFile> List() => files;
        public ModelFile? Find(string name) => files.FirstOrDefault(f => f.Name == name);
        public string PathOf(string name) => "/nowhere/" + name;
        public Task<ModelFile> SaveAsync(string fileName, Stream content, long maxBytes, CancellationToken ct) => throw new NotSupportedException();
        public bool Delete(string name) => throw new NotSupportedException();
    }

    private sealed class FakeActive(ActiveModelInfo? current) : IActiveModel
    {
        public ActiveModelInfo? Current => current;
        public Task<ActiveModelInfo> LoadAsync(string name, CancellationToken ct) => throw new NotSupportedException();
        public void Unload() { }
    }

    [Fact]
    public void Models_panel_marks_the_active_checkpoint_and_offers_load_only_for_other_checkpoints()
    {
        var when = DateTimeOffset.Parse("2026-01-02T03:04:05Z");
        Services.AddSingleton<IModelCatalog>(new FakeCatalog(
            new ModelFile("a.pkl", ModelFileKind.Checkpoint, 3 << 20, when),
            new ModelFile("b.pkl", ModelFileKind.Checkpoint, 10, when),
            new ModelFile("bundles/r.zip", ModelFileKind.Bundle, 1536, when)));
        Services.AddSingleton<IActiveModel>(new FakeActive(new ActiveModelInfo("a.pkl", "/nowhere/a.pkl", when)));
        var panel = Render<ModelsPanel>(p => p.Add(m => m.Message, "Uploaded b.pkl."));

        Assert.Equal("a.pkl", panel.Find("#active-model-name").TextContent);
        Assert.Equal("Uploaded b.pkl.", panel.Find(".notice").TextContent);
        var a = panel.Find("tr[data-name='a.pkl']");
        Assert.Contains("is-active", a.ClassList);
        Assert.Contains("3.0 MiB", a.TextContent);
        Assert.Null(a.QuerySelector("button[hx-post^='/ui/models/load/']"));
        Assert.NotNull(panel.Find("tr[data-name='b.pkl'] button[hx-post='/ui/models/load/b.pkl']"));
        var bundle = panel.Find("tr[data-name='bundles/r.zip']");
        Assert.Null(bundle.QuerySelector("button[hx-post^='/ui/models/load/']"));
        Assert.Equal("/api/models/bundles/r.zip", bundle.QuerySelector("a[download]")!.GetAttribute("href"));
        Assert.Equal("Delete bundles/r.zip? This cannot be undone.", bundle.QuerySelector(".danger")!.GetAttribute("hx-confirm"));
    }
}
