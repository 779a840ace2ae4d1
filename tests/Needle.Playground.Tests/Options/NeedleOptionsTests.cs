using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Needle.Playground.Options;
using Needle.Tests;

namespace Needle.Playground.Tests.Options;

public sealed class NeedleOptionsTests
{
    [Fact]
    public async Task Relative_folders_resolve_against_the_content_root_and_are_created()
    {
        var name = "needle-opt-" + Guid.NewGuid().ToString("N")[..8];
        await using var app = PlaygroundFactory.Create(settings: new Dictionary<string, string?>
        {
            ["Needle:DataDir"] = Path.Combine("artifacts", name, "data"),
            ["Needle:Jobs:MaxConcurrent"] = "2",
        });
        try
        {
            var options = app.Services.GetRequiredService<IOptions<NeedleOptions>>().Value;
            Assert.Equal(RepoPaths.Combine("artifacts", name, "data"), options.DataDir);
            Assert.True(Directory.Exists(options.DataDir));
            Assert.True(File.Exists(Path.Combine(options.DataDir, "jobs.db")));
            Assert.Equal(2, options.Jobs.MaxConcurrent);
            Assert.Equal(16, options.Jobs.QueueCapacity);
            Assert.False(options.Security.AllowRemoteClients);
        }
        finally
        {
            PlaygroundFactory.TryDelete(RepoPaths.Combine("artifacts", name));
        }
    }

    [Fact]
    public async Task Non_positive_limits_stop_the_app_at_startup_with_a_message()
    {
        await using var app = PlaygroundFactory.Create(settings: new Dictionary<string, string?> { ["Needle:Limits:JsonBytes"] = "0" });
        var ex = Assert.ThrowsAny<OptionsValidationException>(() => app.Server);
        Assert.Contains("Needle:Limits", ex.Message);
    }

    [Fact]
    public async Task An_unknown_decode_weights_choice_stops_the_app_at_startup_and_names_the_choices()
    {
        await using var app = PlaygroundFactory.Create(settings: new Dictionary<string, string?> { ["Needle:DecodeWeights"] = "int4" });
        var ex = Assert.ThrowsAny<OptionsValidationException>(() => app.Server);
        Assert.Contains("Needle:DecodeWeights must be one of auto, fp16, fp32, int8", ex.Message);
    }
}
