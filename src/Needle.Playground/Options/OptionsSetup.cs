using Microsoft.Extensions.Options;

namespace Needle.Playground.Options;

public static class OptionsSetup
{
    /// <summary>Binds the "Needle" section, resolves its folders against the content root and creates them.</summary>
    public static WebApplicationBuilder AddPlaygroundOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NeedleOptions>()
            .Bind(builder.Configuration.GetSection(NeedleOptions.Section))
            .Validate(o => o.Limits.JsonBytes > 0 && o.Limits.PklBytes > 0 && o.Limits.JsonlBytes > 0, "Needle:Limits values must be positive")
            .Validate(o => o.Jobs.QueueCapacity > 0 && o.Jobs.MaxConcurrent > 0, "Needle:Jobs:QueueCapacity and MaxConcurrent must be positive")
            .Validate(o => Needle.Core.Kernels.DecodeWeightsChoice.TryParse(o.DecodeWeights, out _),
                $"Needle:DecodeWeights must be one of {string.Join(", ", Needle.Core.Kernels.DecodeWeightsChoice.Names)}")
            .ValidateOnStart();
        builder.Services.AddSingleton<IPostConfigureOptions<NeedleOptions>, ResolvePaths>();
        return builder;
    }

    private sealed class ResolvePaths(IHostEnvironment env) : IPostConfigureOptions<NeedleOptions>
    {
        public void PostConfigure(string? name, NeedleOptions options)
        {
            options.CheckpointsDir = Resolve(options.CheckpointsDir);
            options.DataDir = Resolve(options.DataDir);
            Directory.CreateDirectory(options.CheckpointsDir);
            Directory.CreateDirectory(options.DataDir);
        }

        private string Resolve(string path) =>
            Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(env.ContentRootPath, path)));
    }
}
