using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Needle.Core.Tests.Checkpoints.Hub;
using Needle.Tests;

namespace Needle.Cli.Tests.Commands;

/// <summary>`needle download` against a fake hub and `needle inspect` on Python-written fixtures, run in-process.</summary>
public sealed class CheckpointCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => CliRun.InvokeAsync(args);

    private static string Fixture(string name) => RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Pickle", name);

    [Fact]
    public async Task Download_fetches_both_files_and_prints_progress()
    {
        var pkl = new byte[250_000];
        new Random(1).NextBytes(pkl);
        await using var hub = await FakeHub.StartAsync();
        hub.Files["Cactus-Compute/needle/resolve/v2/needle.pkl"] = pkl;
        hub.Files["Cactus-Compute/needle/resolve/v2/tokenizer/needle.model"] = [1, 2, 3];

        var (exit, output, error) = await RunAsync("download", "--out", _dir, "--endpoint", hub.Endpoint, "--revision", "v2");

        Assert.True(exit == 0, error);
        Assert.Equal(pkl, await File.ReadAllBytesAsync(Path.Combine(_dir, "needle.pkl")));
        Assert.Equal(new byte[] { 1, 2, 3 }, await File.ReadAllBytesAsync(Path.Combine(_dir, "tokenizer", "needle.model")));
        Assert.Contains("needle.pkl: 100% 0.3 MB / 0.3 MB", output);
        Assert.Contains("saved " + Path.Combine(_dir, "needle.pkl"), output);
    }

    [Fact]
    public async Task Download_offline_exits_nonzero_and_says_how_to_load_a_file()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (exit, _, error) = await RunAsync("download", "--out", _dir, "--endpoint", $"http://127.0.0.1:{port}");

        Assert.Equal(1, exit);
        Assert.Contains("download failed", error);
        Assert.Contains("copy needle.pkl and tokenizer/needle.model", error);
    }

    [Fact]
    public async Task Download_reports_a_missing_revision_as_not_found()
    {
        await using var hub = await FakeHub.StartAsync();
        var (exit, _, error) = await RunAsync("download", "--out", _dir, "--endpoint", hub.Endpoint, "--revision", "nope");
        Assert.Equal(1, exit);
        Assert.Contains("404", error);
        Assert.Contains("revision ('nope')", error);
    }

    [Fact]
    public async Task Inspect_prints_config_and_every_parameter_of_a_python_checkpoint()
    {
        var (exit, output, error) = await RunAsync("inspect", Fixture("tiny_p4.pkl"));
        Assert.True(exit == 0, error);
        Assert.Contains("d_model = 16", output);
        Assert.Contains("dtype = \"bfloat16\"", output);
        Assert.Contains("layers 2 encoder + 1 decoder, vocab 32", output);
        // (2, 16, 16) float16 q_proj: 512 values; 0-d log_temp: 1 value.
        Assert.Matches(@"encoder/layers/EncoderBlock_0/self_attn/q_proj/kernel\s+\(2, 16, 16\)\s+float16\s+512", output);
        Assert.Matches(@"log_temp\s+\(\)\s+float16\s+1\b", output);
        Assert.Contains("in 31 arrays", output);
        Assert.Contains("layout: OK", output);
    }

    [Fact]
    public async Task Inspect_flags_a_layout_mismatch_with_exit_code_3()
    {
        var (exit, output, _) = await RunAsync("inspect", Fixture("pretrain_like_p4.pkl"));
        Assert.Equal(3, exit);
        Assert.Contains("extra: pretrain_step = 123456", output);
        Assert.Contains("layout: MISMATCH", output);
        Assert.Contains("contrastive_proj/kernel", output);
    }

    [Fact]
    public async Task Inspect_of_a_hostile_or_missing_file_is_a_clean_error()
    {
        var (exit, _, error) = await RunAsync("inspect", Fixture("hostile_os_system.pkl"));
        Assert.Equal(1, exit);
        Assert.Contains("'posix.system'", error);

        (exit, _, error) = await RunAsync("inspect", Path.Combine(_dir, "missing.pkl"));
        Assert.Equal(1, exit);
        Assert.Contains("missing.pkl", error);
    }
}
