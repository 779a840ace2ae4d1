using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Needle.Playground.Models;
using Needle.Tests;

namespace Needle.Playground.Tests.Integration;

/// <summary>
/// The committed built-in model (checkpoints/needle-mini, issue #8) in the real app: it becomes the active model when
/// nothing else is there, answers with a well-formed call, and the offline one-click finetune from it makes it better.
/// </summary>
public sealed class NeedleMiniTests
{
    private static readonly string MiniDir = RepoPaths.Combine("checkpoints", "needle-mini");

    // The Playground's smart-home preset: none of these names is in the needle-mini catalogue.
    private const string SmartHomeTools = """
        [{"name":"set_lights","description":"Turn lights on/off or set brightness in a room","parameters":{"type":"object","properties":{"room":{"type":"string","description":"Room name"},"brightness":{"type":"integer","description":"Brightness 0-100"}},"required":["room"]}},
         {"name":"set_thermostat","description":"Set the thermostat temperature","parameters":{"type":"object","properties":{"temperature":{"type":"number","description":"Target temperature in degrees"}},"required":["temperature"]}},
         {"name":"lock_door","description":"Lock a door","parameters":{"type":"object","properties":{"door":{"type":"string","description":"Which door, e.g. front"}},"required":["door"]}}]
        """;

    private static async Task<PlaygroundFactory> StartWithMiniAsync()
    {
        var app = PlaygroundFactory.Create();
        var target = Path.Combine(app.CheckpointsDir, "needle-mini");
        Directory.CreateDirectory(target);
        foreach (var file in new[] { "needle-mini.pkl", "needle-mini.model" })
            File.Copy(Path.Combine(MiniDir, file), Path.Combine(target, file));
        _ = app.CreateClient();
        var active = app.Services.GetRequiredService<NeedleActiveModel>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (active.Current is null)
        {
            Assert.Null(active.LastError);
            await Task.Delay(50, timeout.Token);
        }
        return app;
    }

    [Fact]
    public async Task The_built_in_model_is_active_and_calls_a_tool_it_never_saw()
    {
        await using var app = await StartWithMiniAsync();
        var client = app.CreateClient();
        Assert.Equal("needle-mini/needle-mini.pkl", (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("name").GetString());

        var tools = """[{"name":"get_weather","description":"Get the weather forecast for a city","parameters":{"type":"object","properties":{"location":{"type":"string","description":"City name"}},"required":["location"]}}]""";
        var response = await client.PostAsJsonAsync("/api/generate", new { query = "What's the weather in Paris?", tools });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result").GetString()!;
        var calls = JsonDocument.Parse(result).RootElement;
        Assert.Equal("get_weather", calls[0].GetProperty("name").GetString());
        Assert.Equal("Paris", calls[0].GetProperty("arguments").GetProperty("location").GetString());
    }

    [Fact]
    public async Task One_click_offline_finetune_from_the_built_in_model_improves_it()
    {
        await using var app = await StartWithMiniAsync();
        var client = app.CreateClient();
        var start = await client.PostAsJsonAsync("/api/jobs", new
        {
            kind = "finetune",
            settings = new { tools = SmartHomeTools, provider = "offline", examplesPerTool = 120 },
        });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        JsonElement job;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15)))
        {
            while (true)
            {
                job = (await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}", timeout.Token)).GetProperty("job");
                var status = job.GetProperty("status").GetString();
                if (status is "succeeded" or "failed" or "cancelled" or "interrupted") break;
                await Task.Delay(500, timeout.Token);
            }
        }
        Assert.True(job.GetProperty("status").GetString() == "succeeded", job.ToString());
        var metrics = job.GetProperty("metrics");
        Assert.Equal("needle-mini/needle-mini.pkl", metrics.GetProperty("baseModel").GetString());
        var before = metrics.GetProperty("base");
        var after = metrics.GetProperty("finetuned");
        var (exactBefore, exactAfter) = (before.GetProperty("exactMatch").GetDouble(), after.GetProperty("exactMatch").GetDouble());
        Assert.True(exactAfter >= exactBefore + 0.2, $"exact match {exactBefore:P1} -> {exactAfter:P1}");
        Assert.True(after.GetProperty("callF1").GetDouble() > before.GetProperty("callF1").GetDouble());
        Assert.False(string.IsNullOrEmpty(metrics.GetProperty("bundle").GetString())); // the downloadable result exists
    }
}
