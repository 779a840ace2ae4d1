using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Needle.Playground.Data;
using Needle.Playground.Jobs;

namespace Needle.Playground.Tests.Jobs;

/// <summary>The queue, the worker and the store together, driven through the HTTP API.</summary>
public sealed class JobPipelineTests
{
    private static async Task<string> StartAsync(HttpClient client, string kind, object? settings = null, object? secrets = null)
    {
        var response = await client.PostAsJsonAsync("/api/jobs", new { kind, settings, secrets });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/jobs/{job.GetProperty("id").GetString()}", response.Headers.Location!.OriginalString);
        return job.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Self_test_job_runs_to_success_and_records_a_decreasing_loss_curve_log_and_metrics()
    {
        await using var app = new PlaygroundFactory();
        var id = await StartAsync(app.CreateClient(), SelfTestJobRunner.KindName, new { steps = 24, intervalMs = 0 });

        var detail = await app.WaitForJobAsync(id);
        var job = detail.GetProperty("job");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("done", job.GetProperty("phase").GetString());
        Assert.True(job.GetProperty("metrics").GetProperty("synthetic").GetBoolean());

        var train = detail.GetProperty("points").EnumerateArray().Where(p => p.GetProperty("series").GetString() == "train")
            .Select(p => p.GetProperty("value").GetDouble()).ToArray();
        Assert.Equal(24, train.Length);
        Assert.True(train[^1] < train[0] / 3, $"loss should fall: first {train[0]}, last {train[^1]}");
        Assert.Contains(detail.GetProperty("log").EnumerateArray(), l => l.GetProperty("line").GetString()!.Contains("No model is trained"));
    }

    [Fact]
    public async Task A_failing_job_records_its_error_and_the_worker_keeps_running_the_next_one()
    {
        await using var app = new PlaygroundFactory();
        var client = app.CreateClient();
        var bad = await StartAsync(client, SelfTestJobRunner.KindName, new { steps = 10, intervalMs = 0, failAtStep = 3 });
        var good = await StartAsync(client, SelfTestJobRunner.KindName, new { steps = 5, intervalMs = 0 });

        var failed = (await app.WaitForJobAsync(bad)).GetProperty("job");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("at step 3", failed.GetProperty("error").GetString());
        Assert.Equal("succeeded", (await app.WaitForJobAsync(good)).GetProperty("job").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Invalid_settings_fail_the_job_with_a_message_naming_the_setting()
    {
        await using var app = new PlaygroundFactory();
        var id = await StartAsync(app.CreateClient(), SelfTestJobRunner.KindName, new { steps = 0 });
        var job = (await app.WaitForJobAsync(id)).GetProperty("job");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("steps must be between 1 and 1000", job.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Cancelling_a_running_job_stops_it_and_cancelling_a_queued_one_skips_it()
    {
        var gated = new GatedJobRunner();
        await using var app = PlaygroundFactory.Create(services: s => s.AddSingleton<IJobRunner>(gated));
        var client = app.CreateClient();
        var running = await StartAsync(client, GatedJobRunner.KindName);
        await gated.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var queued = await StartAsync(client, GatedJobRunner.KindName);

        var cancelQueued = await client.PostAsync($"/api/jobs/{queued}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelQueued.StatusCode);
        var cancelRunning = await client.PostAsync($"/api/jobs/{running}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancelRunning.StatusCode);

        var r = (await app.WaitForJobAsync(running)).GetProperty("job");
        Assert.Equal("cancelled", r.GetProperty("status").GetString());
        Assert.Equal("cancelled", (await app.WaitForJobAsync(queued)).GetProperty("job").GetProperty("status").GetString());
        // The skipped job never started.
        Assert.False((await app.WaitForJobAsync(queued)).GetProperty("job").TryGetProperty("startedAt", out _));

        var again = await client.PostAsync($"/api/jobs/{running}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already finished", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_full_queue_answers_503_and_restart_of_an_active_job_is_a_conflict()
    {
        var gated = new GatedJobRunner();
        await using var app = PlaygroundFactory.Create(null, new Dictionary<string, string?> { ["Needle:Jobs:QueueCapacity"] = "1" },
            s => s.AddSingleton<IJobRunner>(gated));
        var client = app.CreateClient();
        var first = await StartAsync(client, GatedJobRunner.KindName);
        await gated.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await StartAsync(client, GatedJobRunner.KindName); // waits in the queue's only slot

        var full = await client.PostAsJsonAsync("/api/jobs", new { kind = GatedJobRunner.KindName });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
        Assert.Contains("queue is full", (await full.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        var restart = await client.PostAsync($"/api/jobs/{first}/restart", null);
        Assert.Equal(HttpStatusCode.Conflict, restart.StatusCode);
        gated.Gate.SetResult();
        Assert.Equal("succeeded", (await app.WaitForJobAsync(first)).GetProperty("job").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Jobs_left_running_by_a_previous_process_come_back_interrupted_and_can_be_restarted()
    {
        var root = Directory.CreateTempSubdirectory("needle-restart-").FullName;
        try
        {
            string id;
            await using (var first = PlaygroundFactory.Create(root))
            {
                _ = first.Server;
                // Simulate a crash: the row says running, but no process runs it any more.
                var store = first.Services.GetRequiredService<IJobStore>();
                id = store.Create(SelfTestJobRunner.KindName, JsonDocument.Parse("""{"steps":3,"intervalMs":0}""").RootElement).Id;
                store.TryTransition(id, JobStatus.Queued, JobStatus.Running);
            }

            await using var second = PlaygroundFactory.Create(root);
            var client = second.CreateClient();
            var detail = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
            Assert.Equal("interrupted", detail.GetProperty("job").GetProperty("status").GetString());

            var restart = await client.PostAsync($"/api/jobs/{id}/restart", null);
            Assert.Equal(HttpStatusCode.Accepted, restart.StatusCode);
            var again = (await restart.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            Assert.NotEqual(id, again);
            var done = await second.WaitForJobAsync(again);
            Assert.Equal("succeeded", done.GetProperty("job").GetProperty("status").GetString());
            Assert.Equal(3, done.GetProperty("job").GetProperty("settings").GetProperty("steps").GetInt32());
            Assert.Contains(done.GetProperty("log").EnumerateArray(), l => l.GetProperty("line").GetString() == $"Restarted from job {id} (interrupted).");
        }
        finally
        {
            PlaygroundFactory.TryDelete(root);
        }
    }

    [Fact]
    public async Task Stopping_the_app_while_a_job_runs_marks_it_interrupted()
    {
        var gated = new GatedJobRunner();
        var root = Directory.CreateTempSubdirectory("needle-stop-").FullName;
        try
        {
            string id;
            await using (var first = PlaygroundFactory.Create(root, services: s => s.AddSingleton<IJobRunner>(gated)))
            {
                id = await StartAsync(first.CreateClient(), GatedJobRunner.KindName);
                await gated.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));
            }
            await using var second = PlaygroundFactory.Create(root);
            var job = (await second.CreateClient().GetFromJsonAsync<JsonElement>($"/api/jobs/{id}")).GetProperty("job");
            Assert.Equal("interrupted", job.GetProperty("status").GetString());
        }
        finally
        {
            PlaygroundFactory.TryDelete(root);
        }
    }

    private sealed class SecretProbe : IJobRunner
    {
        public string Kind => "probe";
        public string DisplayName => "Secret probe";
        public List<IReadOnlyDictionary<string, string>> Seen { get; } = [];

        public Task RunAsync(JobContext context, CancellationToken ct)
        {
            Seen.Add(context.Secrets);
            if (!context.Secrets.ContainsKey("apiKey")) throw new InvalidOperationException("An API key is required: start the job again and enter it.");
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Secrets_reach_the_runner_but_are_never_stored_and_a_restart_has_none()
    {
        var probe = new SecretProbe();
        await using var app = PlaygroundFactory.Create(services: s => s.AddSingleton<IJobRunner>(probe));
        var client = app.CreateClient();
        const string key = "sk-test-7f3a9c1e5b";
        var id = await StartAsync(client, "probe", new { tools = "[]" }, new { apiKey = key });

        var detail = await app.WaitForJobAsync(id);
        Assert.Equal("succeeded", detail.GetProperty("job").GetProperty("status").GetString());
        Assert.Equal(key, probe.Seen.Single()["apiKey"]);
        Assert.DoesNotContain(key, detail.GetRawText());
        Assert.DoesNotContain(key, await client.GetStringAsync($"/jobs/{id}"));
        foreach (var file in Directory.GetFiles(app.DataDir, "jobs.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            Assert.DoesNotContain(key, await reader.ReadToEndAsync());
        }

        var restart = await client.PostAsync($"/api/jobs/{id}/restart", null);
        var again = (await restart.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var failed = (await app.WaitForJobAsync(again)).GetProperty("job");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("API key is required", failed.GetProperty("error").GetString());

        var bad = await client.PostAsJsonAsync("/api/jobs", new { kind = "probe", secrets = new { apiKey = 5 } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
