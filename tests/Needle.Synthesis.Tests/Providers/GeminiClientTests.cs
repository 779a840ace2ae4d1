using Microsoft.AspNetCore.Http;
using System.Text.Json.Nodes;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Providers;
using Needle.Synthesis.Providers.Gemini;
using Needle.Synthesis.Providers.Llm;
using Needle.Synthesis.Recipe;

namespace Needle.Synthesis.Tests.Providers;

public sealed class GeminiClientTests
{
    private const string Key = "AIza-test-secret-key";

    private static GeminiClient Client(FakeServer server, List<TimeSpan>? delays = null, int attempts = 3, double timeout = 5, string[]? keys = null) =>
        GeminiClient.WithApiKeys(new GeminiOptions
        {
            ApiKeys = keys ?? [Key],
            Model = "gemini-test",
            BaseUrl = new Uri(server.BaseUrl, "v1beta/"),
            Retry = ProviderTestData.FastRetry(delays, attempts, timeout),
        });

    private static DataGenerator Generator(IChatCompletionClient client, int samples) =>
        new(new LlmExampleSource(client, ExampleSourceFactory.GeminiSource),
            new GenerationOptions { NumSamples = samples, OverGenerate = 1, Workers = 1, CallTypeMix = [CallType.Single] });

    [Fact]
    public async Task Generates_validated_examples_over_the_real_wire_format()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, _, _) =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(ProviderTestData.GeminiResponse(ProviderTestData.MixedReply));
        });
        using var client = Client(server);
        var events = new List<GenerationProgress>();
        var result = await Generator(client, 3).GenerateAsync(ProviderTestData.Tools, new SyncProgress<GenerationProgress>(events.Add));

        Assert.Equal(ProviderTestData.AcceptedQueries, result.Records.Select(r => r.Query));
        Assert.Equal("""[{"name":"set_timer","arguments":{"minutes":15}}]""", result.Records[1].Answers);
        Assert.Equal("""[{"name":"get_weather","arguments":{"city":"Oslo","unit":"fahrenheit"}}]""", result.Records[2].Answers);
        Assert.All(result.Records, r => Assert.Equal(("synth-gemini-assistant", "gemini-test", "single"), (r.Source, r.Model, r.CallType)));
        var reasons = result.Report.RejectionReasons;
        foreach (var reason in new[] { "unknown tool", "ungrounded value", "missing required argument", "not in enum", "wrong type", "duplicate", "empty answers in a call batch" })
            Assert.Equal(1, reasons[reason]);
        Assert.Equal(10, result.Report.Generated);
        Assert.Contains(events, e => e.Kind == GenerationEventKind.ExampleRejected && e.Reason!.StartsWith("unknown tool"));
        Assert.Equal(GenerationEventKind.Finished, events[^1].Kind);

        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1beta/models/gemini-test:generateContent", request.Path);
        Assert.Equal(Key, request.Headers["x-goog-api-key"]);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("user", (string)body["contents"]![0]!["role"]!);
        Assert.Contains("get_weather", (string)body["contents"]![0]!["parts"]![0]!["text"]!);
        var config = body["generationConfig"]!;
        Assert.Equal("application/json", (string)config["responseMimeType"]!);
        Assert.Equal("ARRAY", (string)config["responseSchema"]!["type"]!);
        var variants = config["responseSchema"]!["items"]!["properties"]!["answers"]!["items"]!["anyOf"]!.AsArray();
        Assert.Equal(["get_weather", "set_timer"], variants.Select(v => (string)v!["properties"]!["name"]!["enum"]![0]!));
        Assert.Equal("INTEGER", (string)variants[1]!["properties"]!["arguments"]!["properties"]!["minutes"]!["type"]!);
        Assert.Equal(16384, (int)config["maxOutputTokens"]!);
    }

    [Fact]
    public async Task Rate_limits_are_retried_honouring_Retry_After()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, _, n) =>
        {
            if (n == 1)
            {
                ctx.Response.StatusCode = 429;
                ctx.Response.Headers.RetryAfter = "7";
                await ctx.Response.WriteAsync("""{"error":{"code":429,"message":"Resource exhausted"}}""");
                return;
            }
            if (n == 2) { ctx.Response.StatusCode = 503; return; }
            await ctx.Response.WriteAsync(ProviderTestData.GeminiResponse("[]"));
        });
        var delays = new List<TimeSpan>();
        using var client = Client(server, delays);
        var text = await client.CompleteAsync(new ChatPrompt("s", "u", 1.0, 100, null), CancellationToken.None);
        Assert.Equal("[]", text);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(TimeSpan.FromSeconds(7), delays[0]); // the server's Retry-After
        Assert.True(delays[1] < TimeSpan.FromMilliseconds(10)); // jittered backoff from the tiny test base
    }

    [Fact]
    public async Task Exhausted_rate_limit_is_a_non_fatal_error()
    {
        await using var server = await FakeServer.StartAsync((ctx, _, _) => { ctx.Response.StatusCode = 429; return Task.CompletedTask; });
        using var client = Client(server, attempts: 2);
        var e = await Assert.ThrowsAsync<SynthesisProviderException>(() => client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None));
        Assert.False(e.IsFatal);
        Assert.Contains("429", e.Message);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Bad_key_stops_the_run_without_retrying_or_leaking_the_key()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, _, _) =>
        {
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsync("""{"error":{"code":401,"message":"API key not valid."}}""");
        });
        using var client = Client(server);
        var e = await Assert.ThrowsAsync<SynthesisProviderException>(() => Generator(client, 10).GenerateAsync(ProviderTestData.Tools));
        Assert.True(e.IsFatal);
        Assert.Contains("API key not valid", e.Message);
        Assert.DoesNotContain(Key, e.ToString());
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Malformed_replies_fail_the_batch_and_the_run_continues_to_its_cap()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, _, n) =>
            await ctx.Response.WriteAsync(n % 2 == 1 ? ProviderTestData.GeminiResponse("Sure! Here are your examples: {oops") : "not json at all"));
        using var client = Client(server);
        var result = await Generator(client, 10).GenerateAsync(ProviderTestData.Tools);
        Assert.Empty(result.Records);
        Assert.Equal(result.Report.BatchesSubmitted, result.Report.FailedBatches);
        Assert.Equal(3, result.Report.BatchesSubmitted); // 10 samples need 1 batch of 25; the cap is max(1 × 3, 1 + 1 worker) = 3
        Assert.Contains(result.Report.BatchErrors, m => m.Contains("not a JSON array"));
        Assert.Contains(result.Report.BatchErrors, m => m.Contains("not JSON"));
    }

    [Fact]
    public async Task Attempts_time_out_and_are_retried()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, _, _) => await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted));
        // 2 s per attempt: on a loaded CI machine a 0.5 s attempt could end before the server even read the request.
        using var client = Client(server, attempts: 2, timeout: 2);
        var e = await Assert.ThrowsAsync<SynthesisProviderException>(() => client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None));
        Assert.Contains("timed out", e.Message);
        // The server logs a request when its handler starts, which can trail the client's timeout.
        for (var wait = 0; wait < 250 && server.Requests.Count < 2; wait++) await Task.Delay(20);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Cancellation_stops_a_request_in_flight()
    {
        var received = new TaskCompletionSource();
        await using var server = await FakeServer.StartAsync(async (ctx, _, _) =>
        {
            received.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted);
        });
        using var client = Client(server);
        using var cts = new CancellationTokenSource();
        var task = client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), cts.Token);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Several_keys_are_used_round_robin()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, _, _) => await ctx.Response.WriteAsync(ProviderTestData.GeminiResponse("[]")));
        using var client = Client(server, keys: ["k1", "k2"]);
        for (var i = 0; i < 4; i++) await client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None);
        Assert.Equal(["k2", "k1", "k2", "k1"], server.Requests.Select(r => r.Headers["x-goog-api-key"]));
    }

    [Fact]
    public void Blocked_and_empty_candidates_are_errors()
    {
        Assert.Contains("SAFETY", Assert.Throws<SynthesisProviderException>(() => GeminiClient.ReadText("""{"promptFeedback":{"blockReason":"SAFETY"}}""")).Message);
        Assert.Contains("MAX_TOKENS", Assert.Throws<SynthesisProviderException>(() => GeminiClient.ReadText("""{"candidates":[{"content":{"parts":[]},"finishReason":"MAX_TOKENS"}]}""")).Message);
        Assert.Equal("ab", GeminiClient.ReadText("""{"candidates":[{"content":{"parts":[{"text":"a"},{"text":"x","thought":true},{"text":"b"}]}}]}"""));
    }
}

/// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool, which would race the asserts).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
