using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Needle.Playground.Tests.Security;

namespace Needle.Playground.Tests.Api;

/// <summary>The pages' htmx endpoints, called the way app.js calls them (token header + HX-Request).</summary>
public sealed class UiActionsTests
{
    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, HttpContent? content = null, string page = "/models")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("RequestVerificationToken", await SecurityTests.TokenFromPageAsync(client, page));
        request.Headers.Add("HX-Request", "true");
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Upload_load_and_delete_answer_with_the_refreshed_models_panel()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();

        var upload = await PostAsync(client, "/ui/models/upload", SecurityTests.Multipart([1, 2, 3], "mine.pkl"));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var html = await upload.Content.ReadAsStringAsync();
        Assert.Contains("id=\"models-panel\"", html);
        Assert.Contains("Uploaded mine.pkl.", html);
        Assert.Contains("data-name=\"mine.pkl\"", html);
        Assert.DoesNotContain("<html", html);

        // Three bytes are not a checkpoint: the real model services say so (422) and name the file.
        var load = await PostAsync(client, "/ui/models/load/mine.pkl");
        Assert.Equal((HttpStatusCode)422, load.StatusCode);
        Assert.Contains("mine.pkl", await load.Content.ReadAsStringAsync());
        Assert.False((await client.GetFromJsonAsync<JsonElement>("/api/model")).TryGetProperty("name", out _));

        var delete = await PostAsync(client, "/ui/models/delete/mine.pkl");
        var after = await delete.Content.ReadAsStringAsync();
        Assert.Contains("Deleted mine.pkl.", after);
        Assert.Contains("No checkpoints yet", after);
        Assert.False(File.Exists(Path.Combine(app.CheckpointsDir, "mine.pkl")));

        var missing = await PostAsync(client, "/ui/models/delete/mine.pkl");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Upload_with_the_token_as_a_form_field_works_too()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        var token = await SecurityTests.TokenFromPageAsync(client, "/models");
        var form = SecurityTests.Multipart([7, 7], "field.model");
        form.Add(new StringContent(token), "__RequestVerificationToken");
        var response = await client.PostAsync("/ui/models/upload", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([7, 7], File.ReadAllBytes(Path.Combine(app.CheckpointsDir, "field.model")));
    }

    [Fact]
    public async Task Start_cancel_and_restart_redirect_to_the_job_pages()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        var start = await PostAsync(client, "/ui/jobs/start/selftest", page: "/jobs");
        var location = start.Headers.GetValues("HX-Redirect").Single();
        var id = location["/jobs/".Length..];

        // The page's default self-test takes seconds: cancel it rather than wait.
        var cancel = await PostAsync(client, $"/ui/jobs/{id}/cancel", page: location);
        Assert.Equal(location, cancel.Headers.GetValues("HX-Redirect").Single());
        Assert.Equal("cancelled", (await app.WaitForJobAsync(id)).GetProperty("job").GetProperty("status").GetString());

        var restart = await PostAsync(client, $"/ui/jobs/{id}/restart", page: location);
        var again = restart.Headers.GetValues("HX-Redirect").Single();
        Assert.NotEqual(location, again);
        Assert.Matches("^/jobs/[0-9a-f]{12}$", again);
        await PostAsync(client, $"/ui/jobs/{again["/jobs/".Length..]}/cancel", page: again);
        await app.WaitForJobAsync(again["/jobs/".Length..]);

        var unknown = await PostAsync(client, "/ui/jobs/start/nope", page: "/jobs");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task A_start_form_passes_settings_to_the_job_and_refuses_bad_settings()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["settings"] = """{"steps":3,"intervalMs":0}""",
            ["secret.apiKey"] = "sk-form-secret",
        });
        var start = await PostAsync(client, "/ui/jobs/start/selftest", form, page: "/jobs");
        var id = start.Headers.GetValues("HX-Redirect").Single()["/jobs/".Length..];
        var job = (await app.WaitForJobAsync(id)).GetProperty("job");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("settings").GetProperty("steps").GetInt32());
        Assert.DoesNotContain("sk-form-secret", job.GetRawText());

        var bad = await PostAsync(client, "/ui/jobs/start/selftest", new FormUrlEncodedContent(new Dictionary<string, string> { ["settings"] = "[1]" }), page: "/jobs");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("settings must be a JSON object", (await bad.Content.ReadFromJsonAsync<Needle.Playground.Security.ApiError>())!.Error);
    }
}
