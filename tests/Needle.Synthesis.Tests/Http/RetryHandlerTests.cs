using System.Net;
using Needle.Synthesis.Http;

namespace Needle.Synthesis.Tests.Http;

public sealed class RetryHandlerTests
{
    private sealed class Scripted(params Func<HttpResponseMessage>[] replies) : HttpMessageHandler
    {
        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            return replies[Math.Min(Bodies.Count - 1, replies.Length - 1)]();
        }
    }

    private static (HttpClient Client, List<TimeSpan> Delays) Make(Scripted inner, int attempts = 4, TimeSpan? maxRetryAfter = null)
    {
        var delays = new List<TimeSpan>();
        var options = new RetryOptions
        {
            MaxAttempts = attempts,
            BaseDelay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(3),
            MaxRetryAfter = maxRetryAfter ?? TimeSpan.FromSeconds(120),
            Delay = (d, _) => { delays.Add(d); return Task.CompletedTask; },
            JitterSeed = 3,
        };
        return (new HttpClient(new RetryHandler(options, inner)), delays);
    }

    [Fact]
    public async Task Backoff_grows_exponentially_with_jitter_and_is_capped()
    {
        var inner = new Scripted(() => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var (client, delays) = Make(inner, attempts: 5);
        var response = await client.PostAsync("http://x.test/", new StringContent("body"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode); // the last answer is returned to the caller
        Assert.Equal(4, delays.Count);
        Assert.InRange(delays[0].TotalSeconds, 0.5, 1.5);
        Assert.InRange(delays[1].TotalSeconds, 1.0, 3.0);
        Assert.All(delays, d => Assert.True(d <= TimeSpan.FromSeconds(3)));
        Assert.All(inner.Bodies, b => Assert.Equal("body", b)); // every attempt re-sends the whole body
    }

    [Fact]
    public async Task Retry_After_dates_are_honoured_and_long_waits_are_capped()
    {
        var inner = new Scripted(
            () => { var r = new HttpResponseMessage(HttpStatusCode.TooManyRequests); r.Headers.RetryAfter = new(TimeSpan.FromSeconds(600)); return r; },
            () => { var r = new HttpResponseMessage(HttpStatusCode.TooManyRequests); r.Headers.RetryAfter = new(DateTimeOffset.UtcNow.AddSeconds(30)); return r; },
            () => new HttpResponseMessage(HttpStatusCode.OK));
        var (client, delays) = Make(inner, maxRetryAfter: TimeSpan.FromSeconds(60));
        var response = await client.GetAsync("http://x.test/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), delays[0]);
        Assert.InRange(delays[1].TotalSeconds, 25, 31);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.NotImplemented)]
    public async Task Client_errors_are_not_retried(HttpStatusCode status)
    {
        var inner = new Scripted(() => new HttpResponseMessage(status));
        var (client, delays) = Make(inner);
        Assert.Equal(status, (await client.GetAsync("http://x.test/")).StatusCode);
        Assert.Single(inner.Bodies);
        Assert.Empty(delays);
    }
}
