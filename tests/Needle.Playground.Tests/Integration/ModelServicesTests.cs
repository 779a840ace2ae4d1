using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Needle.Playground.Models;
using Needle.Playground.Tests.Security;

namespace Needle.Playground.Tests.Integration;

/// <summary>The real model services behind the seams: startup default, /api/generate, the Playground's Run partial, bundles.</summary>
public sealed class ModelServicesTests
{
    private static async Task<HttpResponseMessage> UiPostAsync(HttpClient client, string path, HttpContent? content, string page = "/")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("RequestVerificationToken", await SecurityTests.TokenFromPageAsync(client, page));
        request.Headers.Add("HX-Request", "true");
        return await client.SendAsync(request);
    }

    private static async Task<PlaygroundFactory> StartWithModelAsync()
    {
        var app = PlaygroundFactory.Create();
        TinyModel.CopyTo(app.CheckpointsDir);
        _ = app.CreateClient();
        await WaitLoadedAsync(app);
        return app;
    }

    private static async Task WaitLoadedAsync(PlaygroundFactory app)
    {
        var active = app.Services.GetRequiredService<NeedleActiveModel>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (active.Current is null)
        {
            Assert.Null(active.LastError);
            await Task.Delay(20, timeout.Token);
        }
    }

    [Fact]
    public async Task The_checkpoint_in_checkpoints_loads_at_startup_and_api_generate_answers_with_a_result_and_speed()
    {
        await using var app = await StartWithModelAsync();
        var client = app.CreateClient();
        Assert.Equal("tiny.pkl", (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("name").GetString());

        var response = await client.PostAsJsonAsync("/api/generate", new { query = "Set a 25 minute timer", tools = TinyModel.TimerTools, max_gen_len = 24 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(body.GetProperty("result").GetString()));
        Assert.True(body.GetProperty("decodeTokensPerSecond").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("calls").ValueKind);
    }

    [Fact]
    public async Task Bad_tools_are_400_with_the_parser_message_naming_the_tool_and_field()
    {
        await using var app = await StartWithModelAsync();
        var client = app.CreateClient();
        var api = await client.PostAsJsonAsync("/api/generate", new { query = "hi", tools = """[{"name":"set_timer","parameters":5}]""" });
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        var error = (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;
        Assert.Contains("set_timer", error);
        Assert.Contains("parameters", error);

        var ui = await UiPostAsync(client, "/ui/playground/run", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = "hi", ["tools"] = "[{\"name\": \"x\",", ["constrained"] = "true",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, ui.StatusCode);
        var html = await ui.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"run-error\"", html);
        Assert.Contains("not valid JSON", html);
    }

    [Fact]
    public async Task Run_returns_the_result_partial_with_latency_speed_model_and_history()
    {
        await using var app = await StartWithModelAsync();
        var client = app.CreateClient();
        var openAi = """[{"type":"function","function":{"name":"set_timer","description":"Start a timer","parameters":{"type":"object","properties":{"time_human":{"type":"string"}},"required":["time_human"]}}}]""";
        for (var i = 0; i < 2; i++)
        {
            var response = await UiPostAsync(client, "/ui/playground/run", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["query"] = $"Set a {i + 5} minute timer", ["tools"] = openAi, ["constrained"] = "true", ["structured"] = i == 0 ? "true" : "false",
            }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("data-testid=\"run-result\"", html);
            Assert.Contains("tok/s", html);
            Assert.Contains("tiny.pkl", html);
            Assert.Contains(i == 0 ? ">structured<" : ">constrained<", html);
            Assert.Contains("Tools read as <b>openai</b>", html);
            Assert.DoesNotContain("<html", html);
            if (i == 1)
            {
                Assert.Contains("Set a 5 minute timer", html);
                Assert.Contains("Set a 6 minute timer", html);
            }
        }
        Assert.Equal(2, app.Services.GetRequiredService<RunHistory>().Recent().Count);
    }

    [Fact]
    public async Task Run_is_loopback_only_and_needs_the_antiforgery_token()
    {
        await using var app = PlaygroundFactory.Create();
        var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["query"] = "hi" });
        Assert.Equal(HttpStatusCode.BadRequest, (await app.CreateClient().PostAsync("/ui/playground/run", form)).StatusCode);
        var remote = app.ClientFrom("203.0.113.9");
        Assert.Equal(HttpStatusCode.Forbidden, (await remote.PostAsync("/ui/playground/run", form)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await remote.PostAsync("/ui/finetune/start", form)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await remote.PostAsync("/ui/models/bundle", form)).StatusCode);
    }

    [Fact]
    public async Task Run_bodies_over_the_json_limit_are_413()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        var big = new string('x', 2 * 1024 * 1024);
        var response = await UiPostAsync(client, "/ui/playground/run", new FormUrlEncodedContent(new Dictionary<string, string> { ["query"] = "q", ["tools"] = big }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Without_a_checkpoint_the_app_starts_and_the_playground_offers_download_upload_and_bundle()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        var html = await client.GetStringAsync("/");
        Assert.Contains("data-testid=\"no-model\"", html);
        Assert.Contains("Download weights", html);
        Assert.Contains("/ui/models/bundle", html);
        var run = await UiPostAsync(client, "/ui/playground/run", new FormUrlEncodedContent(new Dictionary<string, string> { ["query"] = "hi", ["tools"] = TinyModel.TimerTools }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, run.StatusCode);
        Assert.Contains("no model loaded", await run.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Download_offline_fails_fast_with_the_downloaders_message()
    {
        DownloadJobRunner.OptionsOverride = new Core.Checkpoints.Hub.HubOptions { Endpoint = "http://127.0.0.1:9" };
        try
        {
            await using var app = PlaygroundFactory.Create();
            var started = await app.CreateClient().PostAsJsonAsync("/api/jobs", new { kind = "download" });
            var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            var job = (await app.WaitForJobAsync(id)).GetProperty("job");
            Assert.Equal("failed", job.GetProperty("status").GetString());
            Assert.StartsWith("Download failed:", job.GetProperty("error").GetString());
        }
        finally { DownloadJobRunner.OptionsOverride = null; }
    }

    [Fact]
    public async Task A_bundle_zip_is_extracted_safely_and_loaded()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            archive.CreateEntryFromFile(TinyModel.Checkpoint, "checkpoint.pkl");
            archive.CreateEntryFromFile(TinyModel.Tokenizer, "tokenizer.model");
            using (var w = new StreamWriter(archive.CreateEntry("../evil.json").Open())) w.Write("{}");
            using (var w = new StreamWriter(archive.CreateEntry("tools.json").Open())) w.Write(TinyModel.TimerTools);
        }
        var response = await UiPostAsync(client, "/ui/models/bundle", SecurityTests.Multipart(zip.ToArray(), "my bundle.zip"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("my_bundle/checkpoint.pkl", await response.Content.ReadAsStringAsync());
        Assert.True(File.Exists(Path.Combine(app.CheckpointsDir, "my_bundle", "tools.json")));
        Assert.False(File.Exists(Path.Combine(app.CheckpointsDir, "evil.json")));
        Assert.False(File.Exists(Path.Combine(app.Root, "evil.json")));
        Assert.Equal("my_bundle/checkpoint.pkl", (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("name").GetString());

        var noTokenizer = new MemoryStream();
        using (var archive = new ZipArchive(noTokenizer, ZipArchiveMode.Create, leaveOpen: true))
            archive.CreateEntryFromFile(TinyModel.Checkpoint, "checkpoint.pkl");
        var bad = await UiPostAsync(client, "/ui/models/bundle", SecurityTests.Multipart(noTokenizer.ToArray(), "b.zip"));
        Assert.Equal((HttpStatusCode)422, bad.StatusCode);
        Assert.Contains("no tokenizer", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_file_that_is_not_a_checkpoint_is_422_with_the_file_named()
    {
        await using var app = PlaygroundFactory.Create();
        Directory.CreateDirectory(app.CheckpointsDir);
        File.WriteAllBytes(Path.Combine(app.CheckpointsDir, "junk.pkl"), [1, 2, 3]);
        var response = await app.CreateClient().PostAsJsonAsync("/api/model", new { name = "junk.pkl" });
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Contains("junk.pkl", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Finetune_start_validates_before_queuing()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        var badTools = await UiPostAsync(client, "/ui/finetune/start", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tools"] = """[{"name":"t","parameters":5}]""",
        }), "/finetune");
        Assert.Equal(HttpStatusCode.BadRequest, badTools.StatusCode);
        Assert.Contains("'t'", (await badTools.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        var noModel = await UiPostAsync(client, "/ui/finetune/start", new FormUrlEncodedContent(new Dictionary<string, string> { ["tools"] = TinyModel.TimerTools }), "/finetune");
        Assert.Equal(HttpStatusCode.Conflict, noModel.StatusCode);
        Assert.Contains("Load a model", (await noModel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Empty(await client.GetFromJsonAsync<JsonElement[]>("/api/jobs") ?? []);
    }
}
