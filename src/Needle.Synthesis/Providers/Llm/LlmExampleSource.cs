using Needle.Synthesis.Generation;
using Needle.Synthesis.Recipe;
using Needle.Synthesis.Validation;

namespace Needle.Synthesis.Providers.Llm;

/// <summary>An <see cref="IExampleSource"/> that asks a text model for each batch and parses its JSON reply.</summary>
public sealed class LlmExampleSource(IChatCompletionClient client, string source, bool useResponseSchema = true, int maxConcurrency = 4) : IExampleSource, IDisposable
{
    public string Source { get; } = source;
    public string Model => client.Model;
    public int MaxConcurrency { get; } = maxConcurrency;

    public async Task<IReadOnlyList<RawExample>> GenerateAsync(BatchPlan plan, CancellationToken cancellationToken)
    {
        var prompt = PromptBuilder.Build(plan, useResponseSchema);
        var text = await client.CompleteAsync(prompt, cancellationToken).ConfigureAwait(false);
        return ResponseParser.Parse(text);
    }

    /// <summary>Disposes the client (its HTTP connections).</summary>
    public void Dispose() => (client as IDisposable)?.Dispose();
}
