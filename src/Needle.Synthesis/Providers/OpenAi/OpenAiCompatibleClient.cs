using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json.Nodes;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Http;
using Needle.Synthesis.Providers.Gemini;
using Needle.Synthesis.Providers.Llm;
using OpenAI;
using OpenAI.Chat;

namespace Needle.Synthesis.Providers.OpenAi;

/// <summary>
/// Chat completions through the OpenAI SDK against any compatible base URL. The SDK's own retries are off: the
/// shared <see cref="RetryHandler"/> under its transport does backoff, Retry-After and per-attempt timeouts, the same
/// way for every provider.
/// </summary>
public sealed class OpenAiCompatibleClient : IChatCompletionClient, IDisposable
{
    private readonly HttpClient _http;
    private readonly ChatClient _chat;
    private readonly JsonOutputMode _jsonMode;

    public OpenAiCompatibleClient(OpenAiCompatibleOptions options, HttpMessageHandler? inner = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Model)) throw new ArgumentException("A model name is required.", nameof(options));
        var key = options.ApiKey;
        if (string.IsNullOrWhiteSpace(key))
        {
            if (!options.BaseUrl.IsLoopback)
                throw new ArgumentException($"An API key is required for {options.BaseUrl.Host} (set OPENAI_API_KEY or OPENROUTER_API_KEY).", nameof(options));
            key = "no-key"; // local servers ignore it, the SDK requires one
        }
        Model = options.Model;
        _jsonMode = options.JsonMode;
        _http = new HttpClient(new RetryHandler(options.Retry, inner)) { Timeout = Timeout.InfiniteTimeSpan };
        // OpenRouter's attribution headers (Needle 2 sends them); harmless elsewhere.
        _http.DefaultRequestHeaders.Add("HTTP-Referer", "https://github.com/cactus-compute/needle");
        _http.DefaultRequestHeaders.Add("X-Title", "needle");
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = options.BaseUrl,
            Transport = new HttpClientPipelineTransport(_http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromHours(1),
        };
        _chat = new ChatClient(options.Model, new ApiKeyCredential(key), clientOptions);
    }

    public string Model { get; }

    public async Task<string> CompleteAsync(ChatPrompt prompt, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage> { new SystemChatMessage(prompt.System), new UserChatMessage(prompt.User) };
        var settings = new ChatCompletionOptions { Temperature = (float)prompt.Temperature };
        if (_jsonMode == JsonOutputMode.JsonObject) settings.ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat();
        if (_jsonMode == JsonOutputMode.JsonSchema && prompt.ResponseSchema is { } schema)
        {
            // json_schema needs an object at the root: wrap the array as {"examples": [...]}; the parser unwraps it.
            var wrapped = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["examples"] = schema.DeepClone() }, ["required"] = new JsonArray("examples") };
            settings.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("examples", BinaryData.FromString(wrapped.ToJsonString()));
        }
        ClientResult<ChatCompletion> result;
        try
        {
            result = await _chat.CompleteChatAsync(messages, settings, cancellationToken).ConfigureAwait(false);
        }
        catch (ClientResultException e)
        {
            var body = e.GetRawResponse()?.Content?.ToString() ?? e.Message;
            throw GeminiClient.HttpError("The OpenAI-compatible server", (HttpStatusCode)e.Status, body) is var err && e.Status == 0
                ? new SynthesisProviderException($"The OpenAI-compatible server could not be reached: {e.Message}", inner: e)
                : err;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SynthesisProviderException($"The OpenAI-compatible request failed: {e.Message}", inner: e);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new SynthesisProviderException($"The OpenAI-compatible server sent a malformed response: {e.Message}", inner: e);
        }
        var completion = result.Value;
        var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        if (text.Length == 0) throw new SynthesisProviderException($"The OpenAI-compatible server returned no text (finish reason {completion.FinishReason}).");
        return text;
    }

    public void Dispose() => _http.Dispose();
}
