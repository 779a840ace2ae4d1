using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Needle.Playground.Security;

namespace Needle.Playground.Tests.Security;

public sealed class SecurityTests(PlaygroundFactory app) : IClassFixture<PlaygroundFactory>
{
    private const string Remote = "203.0.113.7";

    public static TheoryData<string, string> LocalOnlyRoutes => new()
    {
        { "GET", "/api/jobs" },
        { "GET", "/api/jobs/kinds" },
        { "GET", "/api/jobs/abc" },
        { "POST", "/api/jobs" },
        { "POST", "/api/jobs/abc/cancel" },
        { "POST", "/api/jobs/abc/restart" },
        { "GET", "/api/models" },
        { "POST", "/api/models" },
        { "GET", "/api/models/x.pkl" },
        { "DELETE", "/api/models/x.pkl" },
        { "POST", "/api/model" },
        { "GET", "/api/datasets" },
        { "POST", "/api/datasets" },
        { "GET", "/jobs" },
        { "GET", "/jobs/abc" },
        { "GET", "/models" },
        { "GET", "/ui/jobs/table" },
        { "GET", "/ui/models/panel" },
        { "POST", "/ui/jobs/start/selftest" },
        { "POST", "/ui/jobs/abc/cancel" },
        { "POST", "/ui/jobs/abc/restart" },
        { "POST", "/ui/models/upload" },
        { "POST", "/ui/models/delete/x.pkl" },
        { "POST", "/ui/models/load/x.pkl" },
    };

    [Theory]
    [MemberData(nameof(LocalOnlyRoutes))]
    public async Task Job_model_and_upload_routes_refuse_a_non_loopback_client(string method, string path)
    {
        var response = await app.ClientFrom(Remote).SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("loopback", (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task Loopback_addresses_in_every_form_are_local(string ip)
    {
        var response = await app.ClientFrom(ip).GetAsync("/api/jobs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/healthz")]
    [InlineData("/api/model")]
    public async Task Public_pages_stay_open_to_remote_clients(string path)
    {
        var response = await app.ClientFrom(Remote).GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AllowRemoteClients_opens_the_local_only_routes()
    {
        await using var open = PlaygroundFactory.Create(null, new Dictionary<string, string?> { ["Needle:Security:AllowRemoteClients"] = "true" });
        Assert.Equal(HttpStatusCode.OK, (await open.ClientFrom(Remote).GetAsync("/api/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await open.ClientFrom(Remote).GetAsync("/jobs")).StatusCode);
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://localhost:1234")]
    [InlineData("null")]
    [InlineData("not a url")]
    public async Task Posts_from_a_foreign_origin_are_refused_before_anything_else(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(new { kind = "selftest" }) };
        request.Headers.TryAddWithoutValidation("Origin", origin);
        var response = await app.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(ClientGuardMiddleware.CrossOrigin, (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);

        var delete = new HttpRequestMessage(HttpMethod.Delete, "/api/models/x.pkl");
        delete.Headers.TryAddWithoutValidation("Origin", origin);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.CreateClient().SendAsync(delete)).StatusCode);
    }

    [Fact]
    public async Task Same_origin_and_configured_origins_are_accepted()
    {
        var same = new HttpRequestMessage(HttpMethod.Post, "/api/generate") { Content = JsonContent.Create(new { query = "hi" }) };
        same.Headers.TryAddWithoutValidation("Origin", "http://localhost");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.CreateClient().SendAsync(same)).StatusCode);

        await using var proxied = PlaygroundFactory.Create(null, new Dictionary<string, string?> { ["Needle:Security:AllowedOrigins:0"] = "https://needle.example:8443" });
        var allowed = new HttpRequestMessage(HttpMethod.Post, "/api/generate") { Content = JsonContent.Create(new { query = "hi" }) };
        allowed.Headers.TryAddWithoutValidation("Origin", "https://needle.example:8443");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await proxied.CreateClient().SendAsync(allowed)).StatusCode);
    }

    [Fact]
    public async Task Page_posts_without_a_valid_antiforgery_token_are_rejected_with_400()
    {
        var client = app.CreateClient();
        var missing = await client.PostAsync("/ui/jobs/start/selftest", null);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(AntiforgeryFilter.Message, (await missing.Content.ReadFromJsonAsync<ApiError>())!.Error);

        var forged = new HttpRequestMessage(HttpMethod.Post, "/ui/models/delete/x.pkl");
        forged.Headers.Add("RequestVerificationToken", "forged");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task Page_posts_with_the_token_from_the_page_are_accepted()
    {
        var client = app.CreateClient();
        var token = await TokenFromPageAsync(client, "/jobs");
        var request = new HttpRequestMessage(HttpMethod.Post, "/ui/jobs/start/selftest");
        request.Headers.Add("RequestVerificationToken", token);
        request.Headers.Add("HX-Request", "true");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches("^/jobs/[0-9a-f]{12}$", response.Headers.GetValues("HX-Redirect").Single());
    }

    internal static async Task<string> TokenFromPageAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        return Regex.Match(html, "<meta name=\"needle-antiforgery\" content=\"([^\"]+)\"").Groups[1].Value;
    }

    [Fact]
    public async Task Json_bodies_over_the_limit_get_413()
    {
        await using var small = PlaygroundFactory.Create(null, new Dictionary<string, string?> { ["Needle:Limits:JsonBytes"] = "64" });
        var body = new StringContent("{\"query\":\"" + new string('a', 100) + "\"}", Encoding.UTF8, "application/json");
        var response = await small.CreateClient().PostAsync("/api/generate", body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request body too large (max 64 bytes)", (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);

        var jobs = await small.CreateClient().PostAsync("/api/jobs", new StringContent(new string(' ', 65), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, jobs.StatusCode);
    }

    [Fact]
    public async Task Default_limits_are_1_MiB_json_512_MiB_pkl_100_MiB_jsonl()
    {
        var limits = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Needle.Playground.Options.NeedleOptions>>().Value.Limits;
        Assert.Equal((1L << 20, 512L << 20, 100L << 20), (limits.JsonBytes, limits.PklBytes, limits.JsonlBytes));
        // The default JSON limit really applies: 1 MiB + 1 byte is refused.
        var body = new ByteArrayContent(new byte[(1 << 20) + 1]);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.CreateClient().PostAsync("/api/generate", body)).StatusCode);
    }

    [Fact]
    public async Task Uploads_over_the_pkl_limit_get_413_whether_announced_or_streamed_and_leave_no_file()
    {
        await using var small = PlaygroundFactory.Create(null, new Dictionary<string, string?> { ["Needle:Limits:PklBytes"] = "1000" });
        // Content-Length far beyond limit + multipart slack: refused before reading.
        var huge = Multipart(new byte[ClientGuardMiddleware.MultipartSlack + 2000], "big.pkl");
        var announced = await small.CreateClient().PostAsync("/api/models", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, announced.StatusCode);

        // Within the slack, so only counting the file's bytes while streaming catches it.
        var streamed = await small.CreateClient().PostAsync("/api/models", Multipart(new byte[1001], "big.pkl"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal("request body too large (max 1000 bytes)", (await streamed.Content.ReadFromJsonAsync<ApiError>())!.Error);
        Assert.Empty(Directory.GetFiles(small.CheckpointsDir, "*", SearchOption.AllDirectories));

        var fits = await small.CreateClient().PostAsync("/api/models", Multipart(new byte[1000], "ok.pkl"));
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
    }

    internal static MultipartFormDataContent Multipart(byte[] bytes, string fileName, string field = "file")
    {
        var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, field, fileName);
        return content;
    }

    [Theory]
    [InlineData("/api/models/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/api/models/%2Fetc%2Fpasswd")]
    [InlineData("/api/models/..%5Csecret.pkl")]
    [InlineData("/api/models/a/b/c.pkl")]
    [InlineData("/api/models/.hidden.pkl")]
    public async Task Names_that_could_leave_checkpoints_are_400(string path)
    {
        File.WriteAllText(Path.Combine(app.Root, "secret.pkl"), "outside");
        var response = await app.CreateClient().GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("file name", (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);
    }

    [Fact]
    public async Task A_symbolic_link_out_of_checkpoints_is_neither_listed_nor_served_nor_deleted()
    {
        await using var own = new PlaygroundFactory();
        var outside = Path.Combine(own.Root, "outside.pkl");
        File.WriteAllText(outside, "not yours");
        Directory.CreateDirectory(own.CheckpointsDir);
        File.CreateSymbolicLink(Path.Combine(own.CheckpointsDir, "link.pkl"), outside);
        Directory.CreateSymbolicLink(Path.Combine(own.CheckpointsDir, "dirlink"), own.Root);
        var client = own.CreateClient();

        var list = await client.GetFromJsonAsync<JsonElement>("/api/models");
        Assert.Empty(list.GetProperty("files").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/models/link.pkl")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/models/dirlink/outside.pkl")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.DeleteAsync("/api/models/link.pkl")).StatusCode);
        Assert.True(File.Exists(outside));
    }

    [Fact]
    public async Task Upload_names_are_sanitised_into_checkpoints()
    {
        await using var own = new PlaygroundFactory();
        var response = await own.CreateClient().PostAsync("/api/models", Multipart([1, 2, 3], "../../we ird/..evil name$.pkl"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("evil_name_.pkl", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(own.CheckpointsDir, "evil_name_.pkl")));
        Assert.Single(Directory.GetFiles(own.Root, "*.pkl", SearchOption.AllDirectories));
    }
}
