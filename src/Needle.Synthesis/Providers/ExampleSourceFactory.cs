using Needle.Synthesis.Generation;
using Needle.Synthesis.Http;
using Needle.Synthesis.Offline;
using Needle.Synthesis.Providers.Gemini;
using Needle.Synthesis.Providers.Llm;
using Needle.Synthesis.Providers.OpenAi;

namespace Needle.Synthesis.Providers;

public enum SynthesisProvider { Offline, Gemini, Vertex, OpenAi }

/// <summary>
/// What the CLI and the web app pass to pick a provider. Keys may be given here (the web form) or come from the
/// environment: GEMINI_API_KEY (comma-separated for several), OPENAI_API_KEY or OPENROUTER_API_KEY, OPENAI_BASE_URL,
/// GOOGLE_APPLICATION_CREDENTIALS / GOOGLE_CLOUD_PROJECT for Vertex. Nothing here is logged or stored.
/// </summary>
public sealed record ProviderSettings
{
    /// <summary>Null picks automatically: Gemini if a Gemini key exists, else OpenAI-compatible if a key exists, else offline.</summary>
    public SynthesisProvider? Provider { get; init; }
    public string? Model { get; init; }
    public string? ApiKey { get; init; }
    public Uri? BaseUrl { get; init; }
    public string? Project { get; init; }
    public string? Location { get; init; }
    public string? CredentialsFile { get; init; }
    public int Workers { get; init; } = 4;
    public RetryOptions Retry { get; init; } = new();
    public bool UseResponseSchema { get; init; } = true;
    public JsonOutputMode OpenAiJsonMode { get; init; } = JsonOutputMode.Prompt;

    public override string ToString() => $"ProviderSettings {{ Provider = {Provider}, Model = {Model}, BaseUrl = {BaseUrl}, Key = {(ApiKey is null ? "none" : "(hidden)")} }}";
}

/// <summary>Builds the <see cref="IExampleSource"/> for a provider. Dispose the result if it is <see cref="IDisposable"/>.</summary>
public static class ExampleSourceFactory
{
    public const string GeminiSource = "synth-gemini-assistant";
    public const string OpenAiSource = "synth-openai-compatible";

    public static SynthesisProvider Resolve(ProviderSettings settings, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        if (settings.Provider is { } p) return p;
        if (!string.IsNullOrWhiteSpace(settings.ApiKey)) return SynthesisProvider.Gemini;
        if (GeminiOptions.SplitKeys(env("GEMINI_API_KEY")).Count > 0) return SynthesisProvider.Gemini;
        if (!string.IsNullOrWhiteSpace(env("OPENAI_API_KEY")) || !string.IsNullOrWhiteSpace(env("OPENROUTER_API_KEY"))) return SynthesisProvider.OpenAi;
        return SynthesisProvider.Offline;
    }

    public static async Task<IExampleSource> CreateAsync(ProviderSettings settings, Func<string, string?>? env = null, HttpMessageHandler? inner = null, CancellationToken cancellationToken = default)
    {
        env ??= Environment.GetEnvironmentVariable;
        switch (Resolve(settings, env))
        {
            case SynthesisProvider.Offline:
                return new OfflineExampleSource();
            case SynthesisProvider.Gemini:
                var keys = GeminiOptions.SplitKeys(settings.ApiKey ?? env("GEMINI_API_KEY"));
                var gemini = GeminiClient.WithApiKeys(new GeminiOptions
                {
                    ApiKeys = keys,
                    Model = settings.Model ?? GeminiOptions.DefaultModel,
                    BaseUrl = settings.BaseUrl ?? GeminiOptions.DefaultBaseUrl,
                    Retry = settings.Retry,
                    UseResponseSchema = settings.UseResponseSchema,
                }, inner);
                return new LlmExampleSource(gemini, GeminiSource, settings.UseResponseSchema, settings.Workers);
            case SynthesisProvider.Vertex:
                var vertex = await GeminiClient.ForVertexAsync(new VertexOptions
                {
                    Model = settings.Model ?? GeminiOptions.DefaultModel,
                    Project = settings.Project ?? env("GOOGLE_CLOUD_PROJECT"),
                    Location = settings.Location ?? env("GOOGLE_CLOUD_LOCATION") ?? "global",
                    CredentialsFile = settings.CredentialsFile,
                    BaseUrl = settings.BaseUrl,
                    Retry = settings.Retry,
                    UseResponseSchema = settings.UseResponseSchema,
                }, inner, cancellationToken).ConfigureAwait(false);
                return new LlmExampleSource(vertex, GeminiSource, settings.UseResponseSchema, settings.Workers);
            default:
                var baseUrl = settings.BaseUrl ?? (env("OPENAI_BASE_URL") is { Length: > 0 } u ? new Uri(u.EndsWith('/') ? u : u + "/") : null);
                var key = settings.ApiKey ?? NonEmpty(env("OPENAI_API_KEY")) ?? NonEmpty(env("OPENROUTER_API_KEY"));
                baseUrl ??= NonEmpty(env("OPENAI_API_KEY")) is not null && settings.ApiKey is null ? new Uri("https://api.openai.com/v1/") : OpenAiCompatibleOptions.OpenRouterBaseUrl;
                var openai = new OpenAiCompatibleClient(new OpenAiCompatibleOptions
                {
                    Model = settings.Model ?? OpenAiCompatibleOptions.DefaultModel,
                    ApiKey = key,
                    BaseUrl = baseUrl,
                    Retry = settings.Retry,
                    JsonMode = settings.OpenAiJsonMode,
                }, inner);
                return new LlmExampleSource(openai, OpenAiSource, settings.OpenAiJsonMode == JsonOutputMode.JsonSchema, settings.Workers);
        }
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
