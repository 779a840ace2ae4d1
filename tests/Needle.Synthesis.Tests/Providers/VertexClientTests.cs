using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Providers.Gemini;
using Needle.Synthesis.Providers.Llm;

namespace Needle.Synthesis.Tests.Providers;

public sealed class VertexClientTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"needle-vertex-{Guid.NewGuid():N}");

    public VertexClientTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A throwaway service account whose token_uri points at the fake server.
    private string ServiceAccountFile(FakeServer server)
    {
        using var rsa = RSA.Create(2048);
        var json = new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "test-project",
            ["private_key_id"] = "key1",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "needle@test-project.iam.gserviceaccount.com",
            ["client_id"] = "1234567890",
            ["token_uri"] = new Uri(server.BaseUrl, "token").ToString(),
        };
        var path = Path.Combine(_dir, "sa.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static Func<HttpContext, RecordedRequest, int, Task> Handler(Func<int, HttpContext, Task>? generate = null)
    {
        var calls = 0;
        return async (ctx, req, _) =>
        {
            ctx.Response.ContentType = "application/json";
            if (req.Path == "/token")
            {
                await ctx.Response.WriteAsync("""{"access_token":"ya29.fake-token","expires_in":3600,"token_type":"Bearer"}""");
                return;
            }
            if (ctx.Request.Headers.Authorization != "Bearer ya29.fake-token") { ctx.Response.StatusCode = 401; return; }
            var n = Interlocked.Increment(ref calls);
            if (generate is not null) await generate(n, ctx);
            else await ctx.Response.WriteAsync(ProviderTestData.GeminiResponse(ProviderTestData.MixedReply));
        };
    }

    [Fact]
    public async Task Exchanges_a_service_account_token_and_calls_generateContent()
    {
        await using var server = await FakeServer.StartAsync(Handler());
        using var client = await GeminiClient.ForVertexAsync(new VertexOptions
        {
            Model = "gemini-test",
            Location = "europe-west4",
            CredentialsFile = ServiceAccountFile(server),
            BaseUrl = server.BaseUrl,
            Retry = ProviderTestData.FastRetry(),
        });
        var source = new LlmExampleSource(client, "synth-gemini-assistant");
        var result = await new DataGenerator(source, new GenerationOptions { NumSamples = 3, OverGenerate = 1, Workers = 1, CallTypeMix = [Recipe.CallType.Single] })
            .GenerateAsync(ProviderTestData.Tools);
        Assert.Equal(ProviderTestData.AcceptedQueries, result.Records.Select(r => r.Query));

        await client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None);
        var requests = server.Requests.ToList();
        var token = Assert.Single(requests, r => r.Path == "/token"); // cached for the second call
        Assert.Contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer", token.Body);
        Assert.Contains("assertion=", token.Body);
        var calls = requests.Where(r => r.Path != "/token").ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal("/v1/projects/test-project/locations/europe-west4/publishers/google/models/gemini-test:generateContent", c.Path));
        Assert.Equal("ARRAY", (string)JsonNode.Parse(calls[0].Body)!["generationConfig"]!["responseSchema"]!["type"]!);
    }

    [Fact]
    public async Task Rate_limits_on_Vertex_are_retried()
    {
        await using var server = await FakeServer.StartAsync(Handler(async (n, ctx) =>
        {
            if (n == 1) { ctx.Response.StatusCode = 429; ctx.Response.Headers.RetryAfter = "3"; return; }
            await ctx.Response.WriteAsync(ProviderTestData.GeminiResponse("[]"));
        }));
        var delays = new List<TimeSpan>();
        using var client = await GeminiClient.ForVertexAsync(new VertexOptions
        {
            Project = "other-project",
            CredentialsFile = ServiceAccountFile(server),
            BaseUrl = server.BaseUrl,
            Retry = ProviderTestData.FastRetry(delays),
        });
        Assert.Equal("[]", await client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None));
        Assert.Equal([TimeSpan.FromSeconds(3)], delays);
        Assert.Contains(server.Requests, r => r.Path.StartsWith("/v1/projects/other-project/locations/global/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_token_endpoint_is_a_fatal_error()
    {
        await using var server = await FakeServer.StartAsync(async (ctx, req, _) =>
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("""{"error":"invalid_grant","error_description":"Invalid JWT Signature."}""");
        });
        using var client = await GeminiClient.ForVertexAsync(new VertexOptions { CredentialsFile = ServiceAccountFile(server), BaseUrl = server.BaseUrl, Retry = ProviderTestData.FastRetry() });
        var e = await Assert.ThrowsAsync<SynthesisProviderException>(() => client.CompleteAsync(new ChatPrompt("s", "u", 1, 10, null), CancellationToken.None));
        Assert.True(e.IsFatal);
        Assert.Contains("access token", e.Message);
        Assert.DoesNotContain(server.Requests, r => r.Path.Contains("generateContent"));
    }

    [Fact]
    public async Task A_missing_or_broken_credentials_file_is_reported_by_name()
    {
        var missing = Path.Combine(_dir, "nope.json");
        await Assert.ThrowsAsync<FileNotFoundException>(() => GeminiClient.ForVertexAsync(new VertexOptions { CredentialsFile = missing, Project = "p" }));
        var broken = Path.Combine(_dir, "broken.json");
        File.WriteAllText(broken, "{\"type\":\"service_account\"");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => GeminiClient.ForVertexAsync(new VertexOptions { CredentialsFile = broken, Project = "p" }));
        Assert.Contains(broken, e.Message);
    }
}
