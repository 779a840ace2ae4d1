using System.Net;

namespace Needle.Playground.Tests.Hosting;

public sealed class ShellRoutesTests(PlaygroundFactory factory) : IClassFixture<PlaygroundFactory>
{
    [Fact]
    public async Task Healthz_answers_200()
    {
        var response = await factory.CreateClient().GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/", "Playground")]
    [InlineData("/finetune", "Finetune")]
    [InlineData("/models", "Models")]
    [InlineData("/jobs", "Jobs")]
    public async Task Each_area_renders_inside_the_layout(string path, string heading)
    {
        var html = await factory.CreateClient().GetStringAsync(path);
        Assert.Contains($"<h1>{heading}</h1>", html);
        Assert.Contains("aria-label=\"Main\"", html);
        Assert.Contains("lib/htmx/htmx.min.js", html);
        Assert.Contains("lib/signalr/signalr.min.js", html);
    }

    [Fact]
    public async Task Playground_without_a_model_says_what_to_do()
    {
        var html = await factory.CreateClient().GetStringAsync("/");
        Assert.Contains("No model yet", html);
        Assert.Contains("Download weights", html);
        Assert.Contains("Upload bundle", html);
    }

    [Theory]
    [InlineData("/lib/htmx/htmx.min.js")]
    [InlineData("/lib/signalr/signalr.min.js")]
    [InlineData("/lib/uplot/uPlot.iife.min.js")]
    [InlineData("/css/app.css")]
    public async Task Browser_libraries_restored_from_npm_are_served_locally(string path)
    {
        var response = await factory.CreateClient().GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100);
    }

    [Fact]
    public async Task Unknown_address_is_a_404_page()
    {
        var response = await factory.CreateClient().GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Page not found", await response.Content.ReadAsStringAsync());
    }
}
