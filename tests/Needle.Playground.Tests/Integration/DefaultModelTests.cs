using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Needle.Playground.Models;

namespace Needle.Playground.Tests.Integration;

/// <summary>The startup model follows the shared default order, and the page says when needle-mini is the one in use.</summary>
public sealed class DefaultModelTests
{
    private static string Prepare(bool withNeedle)
    {
        var root = Directory.CreateTempSubdirectory("needle-web-default-").FullName;
        var mini = Directory.CreateDirectory(Path.Combine(root, "checkpoints", "needle-mini")).FullName;
        File.Copy(TinyModel.Checkpoint, Path.Combine(mini, "needle-mini.pkl"));
        File.Copy(TinyModel.Tokenizer, Path.Combine(mini, "needle-mini.model"));
        if (withNeedle)
        {
            // What the download writes: needle.pkl + tokenizer/needle.model.
            var tok = Directory.CreateDirectory(Path.Combine(root, "checkpoints", "tokenizer")).FullName;
            File.Copy(TinyModel.Checkpoint, Path.Combine(root, "checkpoints", "needle.pkl"));
            File.Copy(TinyModel.Tokenizer, Path.Combine(tok, "needle.model"));
        }
        return root;
    }

    private static async Task<string> LoadedNameAsync(PlaygroundFactory app)
    {
        _ = app.CreateClient();
        var active = app.Services.GetRequiredService<NeedleActiveModel>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (active.Current is null)
        {
            Assert.Null(active.LastError);
            await Task.Delay(20, timeout.Token);
        }
        return active.Current.Name;
    }

    [Fact]
    public async Task Needle_mini_loads_when_alone_and_the_page_names_it_and_offers_the_download()
    {
        var root = Prepare(withNeedle: false);
        using var cleanup = new DeleteOnDispose(root); // declared first: disposed after the app
        await using var app = PlaygroundFactory.Create(root);
        Assert.Equal("needle-mini/needle-mini.pkl", await LoadedNameAsync(app));
        var client = app.CreateClient();
        Assert.Equal("needle-mini/needle-mini.pkl", (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("name").GetString());

        var html = await client.GetStringAsync("/");
        Assert.Contains("data-testid=\"mini-model\"", html);
        Assert.Contains("built-in offline model", html);
        Assert.Contains("Download the Needle weights", html);
        Assert.Contains("/ui/jobs/start/download", html);
        Assert.DoesNotContain("data-testid=\"no-model\"", html);
    }

    [Fact]
    public async Task Downloaded_needle_weights_load_before_needle_mini_and_the_mini_notice_is_gone()
    {
        var root = Prepare(withNeedle: true);
        using var cleanup = new DeleteOnDispose(root); // declared first: disposed after the app
        await using var app = PlaygroundFactory.Create(root);
        Assert.Equal("needle.pkl", await LoadedNameAsync(app));
        var html = await app.CreateClient().GetStringAsync("/");
        Assert.DoesNotContain("data-testid=\"mini-model\"", html);
        Assert.DoesNotContain("built-in offline model", html);
    }

    /// <summary>The factory keeps a root it was given; these tests made theirs, so they remove it (after the app stops).</summary>
    private sealed class DeleteOnDispose(string dir) : IDisposable
    {
        public void Dispose() => PlaygroundFactory.TryDelete(dir);
    }

    [Fact]
    public async Task With_int8_decode_weights_the_model_answers_and_the_page_says_int8()
    {
        var root = Prepare(withNeedle: false);
        using var cleanup = new DeleteOnDispose(root);
        await using var app = PlaygroundFactory.Create(root, new Dictionary<string, string?> { ["Needle:DecodeWeights"] = "int8" });
        Assert.Equal("needle-mini/needle-mini.pkl", await LoadedNameAsync(app));
        Assert.True(app.Services.GetRequiredService<NeedleActiveModel>().Current!.Int8);
        var client = app.CreateClient();
        Assert.Contains("data-testid=\"int8-badge\"", await client.GetStringAsync("/"));
        var response = await client.PostAsJsonAsync("/api/generate", new { query = "set a timer for 5 minutes", tools = "[]" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("result", out _));
    }

    [Fact]
    public async Task By_default_the_page_does_not_mention_int8()
    {
        var root = Prepare(withNeedle: false);
        using var cleanup = new DeleteOnDispose(root);
        await using var app = PlaygroundFactory.Create(root);
        await LoadedNameAsync(app);
        Assert.False(app.Services.GetRequiredService<NeedleActiveModel>().Current!.Int8);
        Assert.DoesNotContain("int8-badge", await app.CreateClient().GetStringAsync("/"));
    }
}
