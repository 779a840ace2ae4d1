using Needle.Synthesis.Http;

namespace Needle.Synthesis.Providers.Gemini;

/// <summary>Gemini Developer API (AI Studio key) settings. Keys are held in memory only; nothing here is written out.</summary>
public sealed record GeminiOptions
{
    /// <summary>Upstream's default model (playground-reference A2).</summary>
    public const string DefaultModel = "gemini-3.1-flash-lite-preview";

    public static readonly Uri DefaultBaseUrl = new("https://generativelanguage.googleapis.com/v1beta/");

    public string Model { get; init; } = DefaultModel;

    /// <summary>One or more keys, used round-robin (upstream splits GEMINI_API_KEY on commas).</summary>
    public required IReadOnlyList<string> ApiKeys { get; init; }

    /// <summary>Base URL ending in "/"; requests go to {BaseUrl}models/{model}:generateContent.</summary>
    public Uri BaseUrl { get; init; } = DefaultBaseUrl;

    public RetryOptions Retry { get; init; } = new();

    /// <summary>Ask for JSON with a response schema (the reference asks in the prompt only; the schema makes replies parse).</summary>
    public bool UseResponseSchema { get; init; } = true;

    /// <summary>Splits a comma-separated key list as upstream does: trimmed, empty entries dropped.</summary>
    public static IReadOnlyList<string> SplitKeys(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"GeminiOptions {{ Model = {Model}, BaseUrl = {BaseUrl}, Keys = {ApiKeys.Count} (hidden) }}";
}

/// <summary>Vertex AI settings: OAuth from a service-account file or application default credentials.</summary>
public sealed record VertexOptions
{
    public string Model { get; init; } = GeminiOptions.DefaultModel;

    /// <summary>Google Cloud project; defaults to the service account's project_id, then GOOGLE_CLOUD_PROJECT.</summary>
    public string? Project { get; init; }

    public string Location { get; init; } = "global";

    /// <summary>A service-account JSON file; null uses application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud).</summary>
    public string? CredentialsFile { get; init; }

    /// <summary>Overrides https://{location}-aiplatform.googleapis.com/ (https://aiplatform.googleapis.com/ for "global").</summary>
    public Uri? BaseUrl { get; init; }

    public RetryOptions Retry { get; init; } = new();
    public bool UseResponseSchema { get; init; } = true;

    public Uri ResolveBaseUrl() => BaseUrl ?? new Uri(Location == "global" ? "https://aiplatform.googleapis.com/" : $"https://{Location}-aiplatform.googleapis.com/");
}
