using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Needle.Playground.Api;
using Needle.Playground.Security;

namespace Needle.Playground.Tests.Api;

public sealed class GenerateApiTests(PlaygroundFactory app) : IClassFixture<PlaygroundFactory>
{
    [Theory]
    [InlineData("""{}""", "query is required")]
    [InlineData("""{"query":"  "}""", "query is required")]
    [InlineData("""{"query":"hi","tools":"[oops"}""", "tools must be valid JSON")]
    [InlineData("""{"query":"hi","tools":"{}"}""", "tools must be a JSON array")]
    [InlineData("""{"query":"hi","tools":5}""", "tools must be a JSON string or array")]
    [InlineData("""{"query":"hi","seed":"x"}""", "seed must be an integer")]
    [InlineData("""{"query":"hi","max_gen_len":1.5}""", "max_gen_len must be an integer")]
    [InlineData("""{"query":"hi","constrained":"maybe"}""", "boolean field is invalid")]
    [InlineData("""{"query":"hi","structured":3}""", "boolean field is invalid")]
    public async Task Invalid_requests_are_400_with_Mays_messages(string body, string message)
    {
        var response = await app.CreateClient().PostAsync("/api/generate", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);
    }

    [Fact]
    public async Task A_valid_request_without_a_model_is_503_saying_no_model_is_loaded()
    {
        var response = await app.CreateClient().PostAsJsonAsync("/api/generate", new { query = "set a timer", tools = "[]" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.StartsWith("no model loaded", (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);
    }

    [Fact]
    public void Parse_clamps_numbers_and_accepts_string_booleans_and_tool_strings()
    {
        var body = JsonDocument.Parse("""{"query":"q","tools":"[{\"name\":\"t\"}]","seed":-5,"max_gen_len":99999,"constrained":"off"}""").RootElement;
        var (request, error) = GenerateApi.Parse(body);
        Assert.Null(error);
        Assert.Equal(0, request!.Seed);
        Assert.Equal(4096, request.MaxGenLen);
        Assert.False(request.Constrained);
        Assert.False(request.Structured); // off unless asked: /api/generate answers like upstream's /generate
        Assert.Equal("t", request.Tools[0].GetProperty("name").GetString());
        var structured = GenerateApi.Parse(JsonDocument.Parse("""{"query":"q","structured":"yes"}""").RootElement).Request;
        Assert.True(structured!.Structured);
    }
}
