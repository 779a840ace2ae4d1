using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Needle.Playground.Tests.Security;

namespace Needle.Playground.Tests.Components;

/// <summary>The Jobs and Models pages rendered by the real app.</summary>
public sealed class PagesTests
{
    [Fact]
    public async Task Jobs_page_lists_jobs_and_the_job_page_shows_history_chart_data_log_and_restart()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        Assert.Contains("No jobs yet", await client.GetStringAsync("/jobs"));

        var start = await client.PostAsJsonAsync("/api/jobs", new { kind = "selftest", settings = new { steps = 4, intervalMs = 0 } });
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await app.WaitForJobAsync(id);

        var list = await client.GetStringAsync("/jobs");
        Assert.Contains($"href=\"/jobs/{id}\"", list);
        Assert.Contains("data-status=\"succeeded\"", list);
        Assert.Contains("Self-test (synthetic loss curve)", list);
        Assert.DoesNotContain("hx-trigger=\"every 2s\"", list); // nothing running: no polling

        var page = await client.GetStringAsync($"/jobs/{id}");
        Assert.Contains("id=\"loss-chart\"", page);
        Assert.Contains("data-status=\"succeeded\"", page);
        Assert.Contains("[&quot;train&quot;,1,", page); // history points for the chart
        Assert.Contains("Self-test done.", page);
        Assert.Contains($"hx-post=\"/ui/jobs/{id}/restart\"", page);
        Assert.Contains("finalLoss", page);
    }

    [Fact]
    public async Task Unknown_job_page_is_404()
    {
        await using var app = PlaygroundFactory.Create();
        var response = await app.CreateClient().GetAsync("/jobs/000000000000");
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, await response.Content.ReadAsStringAsync());
        Assert.Contains("Page not found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Models_page_lists_files_with_actions_and_a_confirmation_on_delete()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        Assert.Contains("No checkpoints yet", await client.GetStringAsync("/models"));
        await client.PostAsync("/api/models", SecurityTests.Multipart(new byte[2048], "needle.pkl"));

        var html = await client.GetStringAsync("/models");
        Assert.Contains("data-name=\"needle.pkl\"", html);
        Assert.Contains("2.0 KiB", html);
        Assert.Contains("href=\"/api/models/needle.pkl\"", html);
        Assert.Contains("hx-post=\"/ui/models/load/needle.pkl\"", html);
        Assert.Contains("hx-confirm=\"Delete needle.pkl? This cannot be undone.\"", html);
        Assert.Contains("name=\"needle-antiforgery\"", html);
    }
}
