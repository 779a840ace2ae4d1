using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Http;
using Needle.Synthesis.Providers.Llm;

namespace Needle.Synthesis.Providers.Gemini;

/// <summary>
/// Gemini <c>generateContent</c> over REST, either with API keys (Gemini Developer API, header x-goog-api-key, keys
/// round-robin) or on Vertex AI with OAuth bearer tokens (service account or application default credentials).
/// JSON output with a response schema, retries with backoff (<see cref="RetryHandler"/>), per-attempt timeouts.
/// Keys and tokens only ever travel in request headers: never in URLs, errors or logs.
/// </summary>
public sealed class GeminiClient : IChatCompletionClient, IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly Func<HttpRequestMessage, CancellationToken, Task> _authorize;
    private readonly bool _useSchema;

    private GeminiClient(string model, Uri endpoint, RetryOptions retry, bool useSchema, Func<HttpRequestMessage, CancellationToken, Task> authorize, HttpMessageHandler? inner)
    {
        Model = model;
        _endpoint = endpoint;
        _authorize = authorize;
        _useSchema = useSchema;
        _http = new HttpClient(new RetryHandler(retry, inner)) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Model { get; }

    /// <summary>The Gemini Developer API with one or more API keys.</summary>
    public static GeminiClient WithApiKeys(GeminiOptions options, HttpMessageHandler? inner = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ApiKeys.Count == 0 || options.ApiKeys.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("A Gemini API key is required (set GEMINI_API_KEY; get one at https://aistudio.google.com/apikey).", nameof(options));
        ValidateModel(options.Model);
        var next = 0;
        var keys = options.ApiKeys.ToArray();
        var endpoint = new Uri(options.BaseUrl, $"models/{Uri.EscapeDataString(options.Model)}:generateContent");
        return new GeminiClient(options.Model, endpoint, options.Retry, options.UseResponseSchema, (request, _) =>
        {
            var key = keys[(int)((uint)Interlocked.Increment(ref next) % (uint)keys.Length)];
            request.Headers.Add("x-goog-api-key", key);
            return Task.CompletedTask;
        }, inner);
    }

    /// <summary>Vertex AI: loads the service account (or application default credentials) and scopes it for cloud-platform.</summary>
    public static async Task<GeminiClient> ForVertexAsync(VertexOptions options, HttpMessageHandler? inner = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateModel(options.Model);
        GoogleCredential credential;
        string? project = options.Project;
        try
        {
            if (options.CredentialsFile is { } file)
            {
                if (!File.Exists(file)) throw new FileNotFoundException($"Service-account file not found: {file}", file);
                var sa = await CredentialFactory.FromFileAsync<ServiceAccountCredential>(file, cancellationToken).ConfigureAwait(false);
                project ??= sa.ProjectId;
                credential = sa.ToGoogleCredential();
            }
            else
            {
                credential = await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException or Newtonsoft.Json.JsonException)
        {
            throw new InvalidDataException($"Could not load Google credentials{(options.CredentialsFile is { } f ? $" from {f}" : "")}: {e.Message}", e);
        }
        project ??= Environment.GetEnvironmentVariable("GOOGLE_CLOUD_PROJECT");
        if (string.IsNullOrWhiteSpace(project))
            throw new ArgumentException("A Google Cloud project is needed for Vertex AI: pass --project or set GOOGLE_CLOUD_PROJECT.", nameof(options));
        if (credential.IsCreateScopedRequired) credential = credential.CreateScoped("https://www.googleapis.com/auth/cloud-platform");
        ITokenAccess tokens = credential;
        var endpoint = new Uri(options.ResolveBaseUrl(),
            $"v1/projects/{Uri.EscapeDataString(project)}/locations/{Uri.EscapeDataString(options.Location)}/publishers/google/models/{Uri.EscapeDataString(options.Model)}:generateContent");
        return new GeminiClient(options.Model, endpoint, options.Retry, options.UseResponseSchema, async (request, ct) =>
        {
            string token;
            try { token = await tokens.GetAccessTokenForRequestAsync(null, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new SynthesisProviderException($"Could not get a Google access token: {e.GetType().Name}: {FirstLine(e.Message)}", isFatal: true, e);
            }
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }, inner);
    }

    public async Task<string> CompleteAsync(ChatPrompt prompt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(BuildBody(prompt, _useSchema).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        await _authorize(request, cancellationToken).ConfigureAwait(false);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException)
        {
            throw new SynthesisProviderException($"Gemini request failed: {e.Message}", inner: e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw HttpError("Gemini", response.StatusCode, body);
            return ReadText(body);
        }
    }

    internal static JsonObject BuildBody(ChatPrompt prompt, bool useSchema)
    {
        var config = new JsonObject { ["temperature"] = prompt.Temperature, ["maxOutputTokens"] = prompt.MaxOutputTokens };
        if (useSchema && prompt.ResponseSchema is { } schema)
        {
            config["responseMimeType"] = "application/json";
            config["responseSchema"] = GeminiSchema.Convert(schema);
        }
        return new JsonObject
        {
            ["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = prompt.System }) },
            ["contents"] = new JsonArray(new JsonObject { ["role"] = "user", ["parts"] = new JsonArray(new JsonObject { ["text"] = prompt.User }) }),
            ["generationConfig"] = config,
        };
    }

    /// <summary>The reply text: the first candidate's non-thought parts, concatenated.</summary>
    internal static string ReadText(string body)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(body); }
        catch (JsonException) { throw new SynthesisProviderException("Gemini returned a response that is not JSON."); }
        if (root?["candidates"] is not JsonArray { Count: > 0 } candidates)
        {
            var reason = root?["promptFeedback"]?["blockReason"]?.GetValue<string>();
            throw new SynthesisProviderException(reason is null ? "Gemini returned no candidates." : $"Gemini blocked the prompt ({reason}).");
        }
        var first = candidates[0];
        var sb = new StringBuilder();
        if (first?["content"]?["parts"] is JsonArray parts)
            foreach (var part in parts.OfType<JsonObject>())
                if (part["thought"] is not JsonValue t || !t.TryGetValue<bool>(out var isThought) || !isThought)
                    if (part["text"] is JsonValue text && text.TryGetValue<string>(out var s)) sb.Append(s);
        if (sb.Length == 0)
        {
            var finish = first?["finishReason"] is JsonValue f && f.TryGetValue<string>(out var fs) ? fs : "unknown";
            throw new SynthesisProviderException($"Gemini returned no text (finish reason {finish}).");
        }
        return sb.ToString();
    }

    internal static SynthesisProviderException HttpError(string provider, HttpStatusCode status, string body)
    {
        string? message = null;
        try { message = JsonNode.Parse(body)?["error"]?["message"]?.GetValue<string>(); } catch (Exception e) when (e is JsonException or InvalidOperationException) { }
        message ??= body.Length > 200 ? body[..200] : body;
        // These repeat for every batch: stop instead of burning attempts.
        var fatal = status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound;
        var hint = status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => " Check the API key or credentials.",
            HttpStatusCode.NotFound => " Check the model name.",
            HttpStatusCode.TooManyRequests => " Rate limited; retries were exhausted.",
            _ => "",
        };
        return new SynthesisProviderException($"{provider} returned HTTP {(int)status} ({status}): {FirstLine(message)}.{hint}", fatal);
    }

    private static string FirstLine(string s)
    {
        var line = s.Split('\n')[0].Trim();
        return line.Length > 300 ? line[..300] : line;
    }

    private static void ValidateModel(string model)
    {
        if (string.IsNullOrWhiteSpace(model) || model.Any(c => char.IsWhiteSpace(c) || c is '?' or '#'))
            throw new ArgumentException($"Invalid model name \"{model}\".", nameof(model));
    }

    public void Dispose() => _http.Dispose();
}
