using System.Net;
using System.Net.Sockets;
using Needle.Core.Checkpoints.Hub;

namespace Needle.Core.Tests.Checkpoints.Hub;

public sealed class HuggingFaceDownloaderTests : IDisposable
{
    private const string Prefix = "Cactus-Compute/needle/resolve/main/";
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-hub-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Content(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<FakeHub> HubWithNeedleAsync(byte[] pkl, byte[] model)
    {
        var hub = await FakeHub.StartAsync();
        hub.Files[Prefix + "needle.pkl"] = pkl;
        hub.Files[Prefix + "tokenizer/needle.model"] = model;
        return hub;
    }

    private static HuggingFaceDownloader Client(FakeHub hub, string? token = null, TimeSpan? readTimeout = null) =>
        new(new HubOptions { Endpoint = hub.Endpoint, Token = token, ReadTimeout = readTimeout ?? TimeSpan.FromSeconds(30) });

    private sealed class Recorder : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = new();
        public Action<DownloadProgress>? OnReport { get; init; }
        public void Report(DownloadProgress value) { lock (Reports) Reports.Add(value); OnReport?.Invoke(value); }
    }

    [Fact]
    public async Task Downloads_the_weights_and_the_tokenizer_through_the_cdn_redirect()
    {
        var pkl = Content(300_000, 1);
        var model = Content(5_000, 2);
        await using var hub = await HubWithNeedleAsync(pkl, model);
        using var client = Client(hub);
        var progress = new Recorder();

        var paths = await client.DownloadNeedleAsync(_dir, progress);

        Assert.Equal([Path.Combine(_dir, "needle.pkl"), Path.Combine(_dir, "tokenizer", "needle.model")], paths);
        Assert.Equal(pkl, await File.ReadAllBytesAsync(paths[0]));
        Assert.Equal(model, await File.ReadAllBytesAsync(paths[1]));
        Assert.Empty(Directory.GetFiles(_dir, "*.part", SearchOption.AllDirectories));
        var last = progress.Reports.Last(r => r.File == "needle.pkl");
        Assert.Equal((300_000L, 300_000L), (last.BytesDone, last.TotalBytes!.Value));
        Assert.True(progress.Reports.Where(r => r.File == "needle.pkl").Select(r => r.BytesDone).SequenceEqual(
            progress.Reports.Where(r => r.File == "needle.pkl").Select(r => r.BytesDone).Order()), "progress went backwards");
        Assert.Contains(hub.Requests, r => r.Path == "cdn/" + Prefix + "needle.pkl");
        Assert.All(hub.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task A_partial_file_is_resumed_with_a_range_request()
    {
        var pkl = Content(200_000, 3);
        await using var hub = await HubWithNeedleAsync(pkl, [1]);
        await File.WriteAllBytesAsync(Path.Combine(_dir, "needle.pkl.part"), pkl[..123_456]);
        using var client = Client(hub);
        var progress = new Recorder();

        var path = await client.DownloadFileAsync("needle.pkl", _dir, progress);

        Assert.Equal(pkl, await File.ReadAllBytesAsync(path));
        Assert.Contains(hub.Requests, r => r.Range == "bytes=123456-");
        Assert.Equal(123_456, progress.Reports[0].BytesDone);
        Assert.False(File.Exists(path + ".part"));
    }

    [Fact]
    public async Task A_server_that_ignores_range_restarts_the_file_from_zero()
    {
        var pkl = Content(50_000, 4);
        await using var hub = await HubWithNeedleAsync(pkl, [1]);
        hub.IgnoreRange = true;
        await File.WriteAllBytesAsync(Path.Combine(_dir, "needle.pkl.part"), Content(10_000, 99));
        using var client = Client(hub);
        var path = await client.DownloadFileAsync("needle.pkl", _dir);
        Assert.Equal(pkl, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_complete_part_left_by_a_crash_is_just_renamed()
    {
        var pkl = Content(10_000, 5);
        await using var hub = await HubWithNeedleAsync(pkl, [1]);
        await File.WriteAllBytesAsync(Path.Combine(_dir, "needle.pkl.part"), pkl);
        using var client = Client(hub);
        var path = await client.DownloadFileAsync("needle.pkl", _dir);
        Assert.Equal(pkl, await File.ReadAllBytesAsync(path));
        Assert.Contains(hub.Requests, r => r.Range == "bytes=10000-");
    }

    [Fact]
    public async Task A_dropped_connection_keeps_the_part_and_the_next_run_resumes()
    {
        var pkl = Content(400_000, 6);
        await using var hub = await HubWithNeedleAsync(pkl, [1]);
        hub.DropAfterBytes = 100_000;
        hub.DropCount = 1;
        using var client = Client(hub);

        var e = await Assert.ThrowsAsync<HubDownloadException>(() => client.DownloadFileAsync("needle.pkl", _dir));
        Assert.Equal(HubFailure.Interrupted, e.Failure);
        Assert.Contains("resume", e.Message);
        var part = Path.Combine(_dir, "needle.pkl.part");
        Assert.True(File.Exists(part));
        var kept = new FileInfo(part).Length;
        Assert.InRange(kept, 0, pkl.Length - 1); // how much arrives before the reset is up to the OS
        Assert.False(File.Exists(Path.Combine(_dir, "needle.pkl")));

        var path = await client.DownloadFileAsync("needle.pkl", _dir);
        Assert.Equal(pkl, await File.ReadAllBytesAsync(path));
        if (kept > 0) Assert.Contains(hub.Requests, r => r.Range == $"bytes={kept}-");
    }

    [Fact]
    public async Task Missing_file_is_a_not_found_error_naming_the_url()
    {
        await using var hub = await HubWithNeedleAsync([1], [1]);
        using var client = Client(hub);
        var e = await Assert.ThrowsAsync<HubDownloadException>(() => client.DownloadFileAsync("nope.pkl", _dir));
        Assert.Equal(HubFailure.NotFound, e.Failure);
        Assert.Contains("/Cactus-Compute/needle/resolve/main/nope.pkl", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "nope.pkl")));
    }

    [Fact]
    public async Task A_gated_repo_without_a_token_says_to_set_hf_token_and_a_token_is_sent_as_bearer()
    {
        var pkl = Content(1_000, 7);
        await using var hub = await HubWithNeedleAsync(pkl, [1]);
        hub.RequiredToken = "hf_secret";
        using (var anonymous = Client(hub))
        {
            var e = await Assert.ThrowsAsync<HubDownloadException>(() => anonymous.DownloadFileAsync("needle.pkl", _dir));
            Assert.Equal(HubFailure.Unauthorized, e.Failure);
            Assert.Contains("HF_TOKEN", e.Message);
        }
        using var authed = Client(hub, token: "hf_secret");
        var path = await authed.DownloadFileAsync("needle.pkl", _dir);
        Assert.Equal(pkl, await File.ReadAllBytesAsync(path));
        Assert.Contains(hub.Requests, r => r.Authorization == "Bearer hf_secret");
    }

    [Fact]
    public async Task A_refused_port_fails_as_offline_with_instructions_for_loading_a_file()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: connections are refused

        using var client = new HuggingFaceDownloader(new HubOptions { Endpoint = $"http://127.0.0.1:{port}", ConnectTimeout = TimeSpan.FromSeconds(2) });
        var e = await Assert.ThrowsAsync<HubDownloadException>(() => client.DownloadNeedleAsync(_dir));
        Assert.Equal(HubFailure.Offline, e.Failure);
        Assert.Contains("connection refused", e.Message);
        Assert.Contains("copy needle.pkl and tokenizer/needle.model", e.Message);
        Assert.Contains(_dir, e.Message);
        Assert.Contains("upload", e.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_as_offline_after_the_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var accepted = new CancellationTokenSource();
        var silent = Task.Run(async () => { using var s = await listener.AcceptSocketAsync(accepted.Token); await Task.Delay(Timeout.Infinite, accepted.Token); });

        using var client = new HuggingFaceDownloader(new HubOptions
        {
            Endpoint = $"http://127.0.0.1:{port}", ConnectTimeout = TimeSpan.FromMilliseconds(200), ReadTimeout = TimeSpan.FromMilliseconds(200),
        });
        var e = await Assert.ThrowsAsync<HubDownloadException>(() => client.DownloadFileAsync("needle.pkl", _dir));
        Assert.Equal(HubFailure.Offline, e.Failure);
        Assert.Contains($"Cannot reach http://127.0.0.1:{port}", e.Message);
        accepted.Cancel();
        await silent.ContinueWith(_ => { });
        listener.Stop();
    }

    [Fact]
    public async Task A_stalled_body_times_out_as_interrupted_and_cancellation_stops_a_download()
    {
        var pkl = Content(100_000, 8);
        await using var hub = await HubWithNeedleAsync(pkl, [1]);
        hub.StallAfterBytes = 10_000;
        using (var client = Client(hub, readTimeout: TimeSpan.FromSeconds(2))) // 2 s: headers must not time out first on a loaded machine
        {
            var e = await Assert.ThrowsAsync<HubDownloadException>(() => client.DownloadFileAsync("needle.pkl", _dir));
            Assert.Equal(HubFailure.Interrupted, e.Failure);
        }

        using var cts = new CancellationTokenSource();
        var progress = new Recorder { OnReport = r => { if (r.BytesDone > 10_000 - 1) cts.Cancel(); } };
        using var patient = Client(hub);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => patient.DownloadFileAsync("needle.pkl", _dir, progress, cts.Token));
        Assert.False(File.Exists(Path.Combine(_dir, "needle.pkl")));
        Assert.True(File.Exists(Path.Combine(_dir, "needle.pkl.part")));
    }

    [Fact]
    public async Task An_unresolvable_host_fails_as_offline()
    {
        // RFC 6761: .invalid never resolves, with or without network.
        using var client = new HuggingFaceDownloader(new HubOptions { Endpoint = "http://needle-hub.invalid", ConnectTimeout = TimeSpan.FromSeconds(3), ReadTimeout = TimeSpan.FromSeconds(3) });
        var e = await Assert.ThrowsAsync<HubDownloadException>(() => client.DownloadFileAsync("needle.pkl", _dir));
        Assert.Equal(HubFailure.Offline, e.Failure);
        Assert.Contains("Cannot reach http://needle-hub.invalid", e.Message);
    }

    [Fact]
    public void Hf_endpoint_and_hf_token_come_from_the_environment()
    {
        // No other test in this assembly reads these variables (they always pass explicit options).
        var (endpoint, token) = (Environment.GetEnvironmentVariable("HF_ENDPOINT"), Environment.GetEnvironmentVariable("HF_TOKEN"));
        try
        {
            Environment.SetEnvironmentVariable("HF_ENDPOINT", "http://mirror.example:9000");
            Environment.SetEnvironmentVariable("HF_TOKEN", "hf_abc");
            var options = HubOptions.FromEnvironment();
            Assert.Equal("http://mirror.example:9000", options.Endpoint);
            Assert.Equal("hf_abc", options.Token);
            Environment.SetEnvironmentVariable("HF_ENDPOINT", "");
            Environment.SetEnvironmentVariable("HF_TOKEN", null);
            options = HubOptions.FromEnvironment();
            Assert.Equal(HubOptions.DefaultEndpoint, options.Endpoint);
            Assert.Null(options.Token);
        }
        finally
        {
            Environment.SetEnvironmentVariable("HF_ENDPOINT", endpoint);
            Environment.SetEnvironmentVariable("HF_TOKEN", token);
        }
    }

    [Theory]
    [InlineData("https://huggingface.co", "main", "needle.pkl", "https://huggingface.co/Cactus-Compute/needle/resolve/main/needle.pkl")]
    [InlineData("http://mirror.local:8080/hf/", "v1.0", "tokenizer/needle.model", "http://mirror.local:8080/hf/Cactus-Compute/needle/resolve/v1.0/tokenizer/needle.model")]
    public void File_urls_follow_the_hub_resolve_form(string endpoint, string revision, string file, string expected)
    {
        Assert.Equal(expected, new HubOptions { Endpoint = endpoint, Revision = revision }.FileUri(file).ToString());
    }

    [Fact]
    public void Bad_endpoints_and_paths_are_caller_errors()
    {
        Assert.Throws<ArgumentException>(() => new HubOptions { Endpoint = "ftp://x" }.FileUri("needle.pkl"));
        Assert.Throws<ArgumentException>(() => new HubOptions().FileUri("../etc/passwd"));
    }
}
