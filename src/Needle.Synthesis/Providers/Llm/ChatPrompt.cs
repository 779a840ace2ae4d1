using System.Text.Json.Nodes;

namespace Needle.Synthesis.Providers.Llm;

/// <summary>One request to a text model: a system message, a user message, sampling settings and an optional response schema.</summary>
/// <param name="ResponseSchema">JSON Schema (standard, lowercase types) of the expected JSON output, or null for free text.</param>
public sealed record ChatPrompt(string System, string User, double Temperature, int MaxOutputTokens, JsonObject? ResponseSchema);

/// <summary>A text-generation backend (Gemini, Vertex AI, an OpenAI-compatible server). Returns the model's text.</summary>
public interface IChatCompletionClient
{
    string Model { get; }
    Task<string> CompleteAsync(ChatPrompt prompt, CancellationToken cancellationToken);
}
