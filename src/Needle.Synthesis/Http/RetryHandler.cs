using System.Net;

namespace Needle.Synthesis.Http;

/// <summary>
/// Retries transient failures of one HTTP request: 408, 429 and 5xx responses, connection errors and attempt timeouts.
/// Waits follow the server's Retry-After when present (capped), else jittered exponential backoff. Each attempt gets
/// its own timeout; the caller's cancellation stops everything at once. Only status codes and counts are reported,
/// never headers, so keys in headers cannot leak into errors.
/// </summary>
public sealed class RetryHandler : DelegatingHandler
{
    private readonly RetryOptions _options;
    private readonly Random _jitter;
    private readonly Lock _jitterLock = new();

    public RetryHandler(RetryOptions options, HttpMessageHandler? inner = null) : base(inner ?? new SocketsHttpHandler())
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        _options = options;
        _jitter = options.JitterSeed is { } s ? new Random(s) : new Random();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Copy the body into bytes once so every attempt sends it whole (a streamed body, like the OpenAI SDK's,
        // would be consumed by the first attempt).
        if (request.Content is { } content and not ByteArrayContent)
        {
            var bytes = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var copy = new ByteArrayContent(bytes);
            foreach (var header in content.Headers) copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            request.Content = copy;
            content.Dispose();
        }
        for (var attempt = 1; ; attempt++)
        {
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptCts.CancelAfter(_options.AttemptTimeout);
            HttpResponseMessage? response = null;
            Exception? failure = null;
            try
            {
                response = await base.SendAsync(request, attemptCts.Token).ConfigureAwait(false);
                // Read the body inside the attempt's time limit, so a stalled body counts as a timeout too.
                await response.Content.LoadIntoBufferAsync(attemptCts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                response?.Dispose();
                response = null;
                failure = new TimeoutException($"The request to {request.RequestUri?.Host} timed out after {_options.AttemptTimeout.TotalSeconds:0.###} s (attempt {attempt} of {_options.MaxAttempts}).");
            }
            catch (HttpRequestException e)
            {
                response?.Dispose();
                response = null;
                failure = e;
            }

            var retryable = failure is not null || IsTransient(response!.StatusCode);
            if (!retryable || attempt >= _options.MaxAttempts)
            {
                if (failure is not null) throw failure is TimeoutException ? failure : new HttpRequestException($"{failure.Message} (after {attempt} attempts)", failure);
                return response!;
            }
            var delay = RetryAfter(response) ?? Backoff(attempt);
            response?.Dispose();
            await _options.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    public static bool IsTransient(HttpStatusCode code) =>
        code is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)code >= 500 && code != HttpStatusCode.NotImplemented;

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null) return null;
        TimeSpan? wait = header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is null) return null;
        if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
        return wait > _options.MaxRetryAfter ? _options.MaxRetryAfter : wait;
    }

    private TimeSpan Backoff(int attempt)
    {
        double factor;
        lock (_jitterLock) factor = 0.5 + _jitter.NextDouble();
        var ms = _options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * factor;
        return TimeSpan.FromMilliseconds(Math.Min(ms, _options.MaxDelay.TotalMilliseconds));
    }
}
