using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Providers;
using Needle.Synthesis.Providers.Llm;
using Needle.Synthesis.Providers.OpenAi;

namespace Needle.Synthesis.Tests.Providers;

public sealed class OpenAiCompatibleClientTests
{
    private const string Key = "sk-test-secret";

    private static OpenAiCompatibleClient Client(FakeServer server, List<TimeSpan>? delays = null, int attempts = 3, double timeout = 5, string? key = Key, JsonOutputMode mode = JsonOutputMode.Prompt) =>
        new(new OpenAiCompatibleOptions
        {
            Model = "test-model",
            ApiKey = key,
            BaseUrl = new Uri(server.BaseUrl, "v1/"),
            Retry = ProviderTestData.FastRetry(delays, attempts, timeout),
            JsonMode = mode,
        });

    private static Func<HttpContext, RecordedRequest, int, Task> Reply(string content) => async (ctx, _, _) =>
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(ProviderTestData.OpenAiResponse(content));
    };

    [Fact]
    public async Task Generates_validated_examples_from_chat_completions()
    {
        await using var server = await FakeServer.StartAsync(Reply("```json\n" + ProviderTestData.MixedReply + "\n```"));
        using var client = Client(server);
        var source = new LlmExampleSource(client, ExampleSourceFactory.OpenAiSource, useResponseSchema: false);
        var result = await new DataGenerator(source, new GenerationOptions { NumSamples = 3, OverGenerate = 1, Workers = 1, CallTypeMix = [Recipe.CallType.Single] })
            .GenerateAsync(ProviderTestData.Tools);

        Assert.Equal(ProviderTestData.AcceptedQueries, result.Records.Select(r => r.Query));
        Assert.All(result.Records, r => Assert.Equal(("synth-openai-compatible", "test-model"), (r.Source, r.Model)));
        Assert.Equal(7, result.Report.Rejected);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal($"Bearer {Key}", request.Headers["authorization"]);
        Assert.Equal("needle", request.Headers["x-title"]);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("test-model", (string)body["model"]!);
        Assert.Equal(["system", "user"], body["messages"]!.AsArray().Select(m => (string)m!["role"]!));
        Assert.Contains("set_timer", (string)body["messages"]![1]!["content"]!);
        Assert.Null(body["response_format"]);
    }

    [Fact]
    public async Task Json_schema_mode_wraps_the_array_and_the_reply_is_unwrapped()
    {
        await using var server = await FakeServer.StartAsync(Reply("{\"examples\":" + ProviderTestData.MixedReply + "}"));
        using var client = Client(server, mode: JsonOutputMode.JsonSchema);
        var source = new LlmExampleSource(client, ExampleSourceFactory.OpenAiSource, useResponseSchema: true);
        var plan = new Recipe.BatchPlanner(ProviderTestData.Tools, 25, 1, [Recipe.CallType.Single]).Next(0);
        var raw = await source.GenerateAsync(plan, CancellationToken.None);
        Assert.Equal(10, raw.Count);
        var format = JsonNode.Parse(server.Requests.Single().Body)!["response_format"]!;
        Assert.Equal("json_schema", (string)format["type"]!);
        Assert.Equal("array", (string)format["json_schema"]!["schema"]!["properties"]!["examples"]!["type"]!);
    }

    [Fact]
    public async Task Rate_limits_are_retried_honouring_Retry_After()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, _, n) =>
        {
            if (n == 1)
            {
                ctx.Response.StatusCode = 429;
                ctx.Response.Headers.RetryAfter = "4";
                await ctx.Response.WriteAsync("""{"error":{"message":"Rate limit reached","type":"requests"}}""");
                return;
            }
            await ctx.Response.WriteAsync(ProviderTestData.OpenAiResponse("[]"));
        });
        var delays = new List<TimeSpan>();
        using var client = Client(server, delays);
        Assert.Equal("[]", await client.CompleteAsync(new ChatPrompt("s", "u", 0.9, 10, null), CancellationToken.None));
        Assert.Equal([TimeSpan.FromSeconds(4)], delays);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Malformed_response_bodies_and_non_json_replies_are_batch_errors()
    {
        await using var broken = await FakeServer.StartAsync(async (ctx, _, _) => { ctx.Response.ContentType = "application/json"; await ctx.Response.WriteAsync("{\"choices\": [ {"); });
        using (var client = Client(broken))
        {
            var e = await Assert.ThrowsAsync<SynthesisProviderException>(() => client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None));
            Assert.False(e.IsFatal);
        }
        await using var chatty = await FakeServer.StartAsync(Reply("I'm sorry, I can't help with that."));
        using (var client = Client(chatty))
        {
            var source = new LlmExampleSource(client, "x");
            var plan = new Recipe.BatchPlanner(ProviderTestData.Tools, 25, 1).Next(0);
            var e = await Assert.ThrowsAsync<SynthesisProviderException>(() => source.GenerateAsync(plan, CancellationToken.None));
            Assert.Contains("not a JSON array", e.Message);
        }
    }

    [Fact]
    public async Task Unauthorized_is_fatal_and_does_not_leak_the_key()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, _, _) =>
        {
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsync("""{"error":{"message":"Incorrect API key provided"}}""");
        });
        using var client = Client(server);
        var e = await Assert.ThrowsAsync<SynthesisProviderException>(() => client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None));
        Assert.True(e.IsFatal);
        Assert.Contains("Incorrect API key", e.Message);
        Assert.DoesNotContain(Key, e.ToString());
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Attempts_time_out_and_cancellation_stops_in_flight_requests()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, _, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
        });
        // 2 s per attempt: on a loaded CI machine a 0.5 s attempt could end before the server even read the request.
        using (var client = Client(server, attempts: 2, timeout: 2))
        {
            var e = await Assert.ThrowsAsync<SynthesisProviderException>(() => client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None));
            Assert.Contains("timed out", e.Message);
            // The second attempt can time out on the client just as the server logs it: give the log a moment.
            for (var wait = 0; wait < 250 && server.Requests.Count < 2; wait++) await Task.Delay(20);
            Assert.True(2 == server.Requests.Count, $"{server.Requests.Count} requests: {e}");
        }
        using (var client = Client(server))
        {
            using var cts = new CancellationTokenSource();
            var task = client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), cts.Token);
            while (server.Requests.Count < 3) await Task.Delay(10);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        }
    }

    [Fact]
    public async Task A_local_server_needs_no_key_but_a_remote_one_does()
    {
        await using var server = await FakeServer.StartAsync(Reply("[]"));
        using var client = Client(server, key: null);
        Assert.Equal("[]", await client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None));
        Assert.Throws<ArgumentException>(() => new OpenAiCompatibleClient(new OpenAiCompatibleOptions { BaseUrl = new Uri("https://openrouter.ai/api/v1/") }));
    }
}
