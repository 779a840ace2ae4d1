using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Needle.Playground.Security;

namespace Needle.Playground.Tests.Api;

public sealed class JobsApiTests(PlaygroundFactory app) : IClassFixture<PlaygroundFactory>
{
    [Theory]
    [InlineData("", "empty request body")]
    [InlineData("{", "invalid JSON")]
    [InlineData("[1]", "JSON body must be an object")]
    [InlineData("{}", "kind is required")]
    [InlineData("""{"kind":"nope"}""", "Unknown job kind 'nope'. Known kinds: selftest, download, finetune.")]
    [InlineData("""{"kind":"selftest","settings":[1]}""", "settings must be a JSON object")]
    public async Task Bad_start_requests_are_400_with_a_message(string body, string message)
    {
        var response = await app.CreateClient().PostAsync("/api/jobs", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);
    }

    [Fact]
    public async Task Unknown_jobs_are_404_for_read_cancel_and_restart()
    {
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/jobs/feedfeedfeed")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/jobs/feedfeedfeed/cancel", null)).StatusCode);
        var restart = await client.PostAsync("/api/jobs/feedfeedfeed/restart", null);
        Assert.Equal(HttpStatusCode.NotFound, restart.StatusCode);
        Assert.Equal("no job with id 'feedfeedfeed'", (await restart.Content.ReadFromJsonAsync<ApiError>())!.Error);
    }

    [Fact]
    public async Task List_and_kinds_describe_the_jobs_with_lowercase_statuses()
    {
        var client = app.CreateClient();
        var start = await client.PostAsJsonAsync("/api/jobs", new { kind = "selftest", settings = new { steps = 2, intervalMs = 0 } });
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await app.WaitForJobAsync(id);

        var list = await client.GetFromJsonAsync<JsonElement>("/api/jobs");
        var job = list.EnumerateArray().Single(j => j.GetProperty("id").GetString() == id);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("selftest", job.GetProperty("kind").GetString());
        var kinds = await client.GetFromJsonAsync<JsonElement>("/api/jobs/kinds");
        Assert.Contains(kinds.EnumerateArray(), k => k.GetProperty("kind").GetString() == "selftest" && k.GetProperty("displayName").GetString()!.Contains("synthetic"));
    }
}
