using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Needle.Playground.Security;
using Needle.Playground.Tests.Security;

namespace Needle.Playground.Tests.Api;

public sealed class DatasetsApiTests
{
    [Fact]
    public async Task Jsonl_uploads_land_in_the_data_folder_within_the_jsonl_limit()
    {
        await using var app = PlaygroundFactory.Create(settings: new Dictionary<string, string?> { ["Needle:Limits:JsonlBytes"] = "100" });
        var client = app.CreateClient();
        var line = Encoding.UTF8.GetBytes("""{"query":"q","answers":[]}""" + "\n");

        var ok = await client.PostAsync("/api/datasets", SecurityTests.Multipart(line, "my data.jsonl"));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Equal(line, File.ReadAllBytes(Path.Combine(app.DataDir, "datasets", "my_data.jsonl")));
        var list = await client.GetFromJsonAsync<JsonElement>("/api/datasets");
        Assert.Equal("my_data.jsonl", list.EnumerateArray().Single().GetProperty("name").GetString());

        var big = await client.PostAsync("/api/datasets", SecurityTests.Multipart(new byte[101], "big.jsonl"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal("request body too large (max 100 bytes)", (await big.Content.ReadFromJsonAsync<ApiError>())!.Error);

        var wrong = await client.PostAsync("/api/datasets", SecurityTests.Multipart(line, "data.json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("expected a .jsonl dataset", (await wrong.Content.ReadFromJsonAsync<ApiError>())!.Error);
        Assert.Single(Directory.GetFiles(Path.Combine(app.DataDir, "datasets")));
    }
}
