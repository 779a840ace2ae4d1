namespace Needle.Core.Checkpoints.Hub;

/// <summary>Where and how to download Needle's weights from a Hugging Face hub (or a mirror of one).</summary>
public sealed record HubOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";
    public const string NeedleRepo = "Cactus-Compute/needle";

    /// <summary>Files a playground needs: the weights and the SentencePiece tokenizer.</summary>
    public static readonly string[] NeedleFiles = ["needle.pkl", "tokenizer/needle.model"];

    public string Endpoint { get; init; } = DefaultEndpoint;
    public string Repo { get; init; } = NeedleRepo;
    public string Revision { get; init; } = "main";

    /// <summary>Sent as "Authorization: Bearer ..." when set (gated or private repos).</summary>
    public string? Token { get; init; }

    /// <summary>Short, so an offline machine fails in seconds instead of hanging.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for response headers or for the next chunk of the body.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Defaults overridden by HF_ENDPOINT and HF_TOKEN, like huggingface_hub.</summary>
    public static HubOptions FromEnvironment()
    {
        var endpoint = Environment.GetEnvironmentVariable("HF_ENDPOINT");
        var token = Environment.GetEnvironmentVariable("HF_TOKEN");
        return new HubOptions
        {
            Endpoint = string.IsNullOrWhiteSpace(endpoint) ? DefaultEndpoint : endpoint.Trim(),
            Token = string.IsNullOrWhiteSpace(token) ? null : token.Trim(),
        };
    }

    /// <summary>{endpoint}/{repo}/resolve/{revision}/{file}</summary>
    public Uri FileUri(string file)
    {
        if (string.IsNullOrWhiteSpace(file) || file.Contains("..", StringComparison.Ordinal) || file.StartsWith('/'))
            throw new ArgumentException($"'{file}' is not a relative file path in the repo.", nameof(file));
        if (!Uri.TryCreate(Endpoint.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"hub endpoint '{Endpoint}' is not an http(s) URL.");
        var path = $"{Repo}/resolve/{Uri.EscapeDataString(Revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}";
        return new Uri(baseUri, path);
    }
}
