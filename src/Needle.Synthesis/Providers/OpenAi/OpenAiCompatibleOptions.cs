using Needle.Synthesis.Http;

namespace Needle.Synthesis.Providers.OpenAi;

/// <summary>How to ask an OpenAI-compatible server for JSON. Many local servers reject json_schema, so the default asks in the prompt only (as Needle 2 does).</summary>
public enum JsonOutputMode { Prompt, JsonObject, JsonSchema }

/// <summary>Settings for any OpenAI-compatible chat-completions server (OpenAI, OpenRouter, Ollama, LM Studio, vLLM...).</summary>
public sealed record OpenAiCompatibleOptions
{
    /// <summary>Needle 2's default through OpenRouter.</summary>
    public const string DefaultModel = "deepseek/deepseek-v4-flash";

    public static readonly Uri OpenRouterBaseUrl = new("https://openrouter.ai/api/v1/");

    public string Model { get; init; } = DefaultModel;

    /// <summary>The API key; may be null for local servers on loopback, which do not check keys.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The base URL (the part before /chat/completions), e.g. http://localhost:11434/v1/ for Ollama.</summary>
    public Uri BaseUrl { get; init; } = OpenRouterBaseUrl;

    public RetryOptions Retry { get; init; } = new();
    public JsonOutputMode JsonMode { get; init; } = JsonOutputMode.Prompt;

    public override string ToString() => $"OpenAiCompatibleOptions {{ Model = {Model}, BaseUrl = {BaseUrl}, Key = {(ApiKey is null ? "none" : "(hidden)")} }}";
}
