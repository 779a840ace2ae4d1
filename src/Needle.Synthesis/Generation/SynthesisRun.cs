using Needle.Core.Tools;
using Needle.Synthesis.Providers;
using Needle.Synthesis.Records;

namespace Needle.Synthesis.Generation;

/// <summary>
/// One call for the web app's finetune job: parse the tools (any dialect), build the provider, run the recipe, and
/// optionally write the JSONL atomically. Provider keys in <see cref="ProviderSettings"/> live only as long as the call.
/// </summary>
public static class SynthesisRun
{
    public static async Task<GenerationResult> GenerateAsync(
        string toolsJson,
        ProviderSettings provider,
        GenerationOptions? options = null,
        IProgress<GenerationProgress>? progress = null,
        string? outputPath = null,
        CancellationToken cancellationToken = default)
    {
        var tools = ToolSchemaParser.Parse(toolsJson).Tools;
        if (tools.Count == 0) throw new ToolSchemaException("The tool list is empty: add at least one tool.");
        var source = await ExampleSourceFactory.CreateAsync(provider, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await new DataGenerator(source, options).GenerateAsync(tools, progress, cancellationToken).ConfigureAwait(false);
            if (outputPath is not null) await SynthesisJsonl.WriteAsync(outputPath, result.Records, cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }
}
