using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Needle.Playground.Security;
using Needle.Playground.Tests.Security;

namespace Needle.Playground.Tests.Api;

public sealed class ModelsApiTests
{
    [Fact]
    public async Task Upload_list_download_and_delete_round_trip_the_bytes()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        var bytes = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 31)).ToArray();

        var upload = await client.PostAsync("/api/models", SecurityTests.Multipart(bytes, "needle.pkl"));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal("/api/models/needle.pkl", upload.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/models", SecurityTests.Multipart([9, 9], "needle.model"))).StatusCode);
        Directory.CreateDirectory(Path.Combine(app.CheckpointsDir, "bundles"));
        File.WriteAllBytes(Path.Combine(app.CheckpointsDir, "bundles", "run1.zip"), [80, 75, 5, 6]);
        File.WriteAllText(Path.Combine(app.CheckpointsDir, "notes.txt"), "not a model");

        var list = await client.GetFromJsonAsync<JsonElement>("/api/models");
        var files = list.GetProperty("files").EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString(), f.GetProperty("kind").GetString(), f.GetProperty("sizeBytes").GetInt64())).ToArray();
        Assert.Equal([("needle.pkl", "checkpoint", 200_000L), ("needle.model", "tokenizer", 2L), ("bundles/run1.zip", "bundle", 4L)], files);

        var download = await client.GetAsync("/api/models/needle.pkl");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        var zip = await client.GetAsync("/api/models/bundles/run1.zip");
        Assert.Equal("application/zip", zip.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/models/notes.txt")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/models/needle.pkl")).StatusCode);
        Assert.False(File.Exists(Path.Combine(app.CheckpointsDir, "needle.pkl")));
        var gone = await client.DeleteAsync("/api/models/needle.pkl");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains("no file named 'needle.pkl'", (await gone.Content.ReadFromJsonAsync<ApiError>())!.Error);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/models/needle.pkl")).StatusCode);
    }

    [Theory]
    [InlineData("notes.txt", "expected a .pkl checkpoint or a tokenizer .model file")]
    [InlineData("bundle.zip", "expected a .pkl checkpoint or a tokenizer .model file")]
    [InlineData("...", "the uploaded file has no usable name")]
    public async Task Uploads_with_the_wrong_kind_of_name_are_400(string name, string message)
    {
        await using var app = PlaygroundFactory.Create();
        var response = await app.CreateClient().PostAsync("/api/models", SecurityTests.Multipart([1], name));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, (await response.Content.ReadFromJsonAsync<ApiError>())!.Error);
    }

    [Fact]
    public async Task Malformed_uploads_are_400_with_a_message()
    {
        await using var app = PlaygroundFactory.Create();
        var client = app.CreateClient();
        async Task<string> ErrorOf(HttpContent content)
        {
            var response = await client.PostAsync("/api/models", content);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<ApiError>())!.Error;
        }
        Assert.Equal("expected multipart/form-data", await ErrorOf(JsonContent.Create(new { })));
        var noBoundary = new ByteArrayContent([1]);
        noBoundary.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");
        Assert.Equal("missing multipart boundary", await ErrorOf(noBoundary));
        Assert.Equal("the upload has no file part named 'file'", await ErrorOf(SecurityTests.Multipart([1], "x.pkl", field: "other")));
        Assert.Equal("the uploaded file is empty", await ErrorOf(SecurityTests.Multipart([], "x.pkl")));
    }

    [Fact]
    public async Task Loading_a_checkpoint_selects_it_and_survives_a_restart_and_deleting_it_unloads()
    {
        var root = Directory.CreateTempSubdirectory("needle-models-").FullName;
        try
        {
            await using (var app = PlaygroundFactory.Create(root))
            {
                var client = app.CreateClient();
                await client.PostAsync("/api/models", SecurityTests.Multipart(File.ReadAllBytes(Integration.TinyModel.Checkpoint), "a.pkl"));
                await client.PostAsync("/api/models", SecurityTests.Multipart(File.ReadAllBytes(Integration.TinyModel.Tokenizer), "a.model"));
                Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/model", new { name = "missing.pkl" })).StatusCode);
                Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/model", new { name = "a.model" })).StatusCode);
                Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/model", new { })).StatusCode);
                var load = await client.PostAsJsonAsync("/api/model", new { name = "a.pkl" });
                Assert.Equal(HttpStatusCode.OK, load.StatusCode);
                Assert.Equal("a.pkl", (await client.GetFromJsonAsync<JsonElement>("/api/model")).GetProperty("name").GetString());
            }
            await using var again = PlaygroundFactory.Create(root);
            var c2 = again.CreateClient();
            // The remembered choice loads in the background at startup.
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
                while (!(await c2.GetFromJsonAsync<JsonElement>("/api/model", timeout.Token)).TryGetProperty("name", out _)) await Task.Delay(20, timeout.Token);
            Assert.Equal("a.pkl", (await c2.GetFromJsonAsync<JsonElement>("/api/models")).GetProperty("active").GetString());
            await c2.DeleteAsync("/api/models/a.pkl");
            Assert.False((await c2.GetFromJsonAsync<JsonElement>("/api/model")).TryGetProperty("name", out _));
        }
        finally
        {
            PlaygroundFactory.TryDelete(root);
        }
    }
}
