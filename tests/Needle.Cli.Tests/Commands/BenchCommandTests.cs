using System.CommandLine;
using System.Text.Json;
using Needle.Core.Tests.Inference;

namespace Needle.Cli.Tests.Commands;

/// <summary>`needle bench inference` on a small checkpoint (the figures depend on the machine: only their presence and sense are checked).</summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => CliRun.InvokeAsync(args);

    [Fact]
    public async Task Inference_times_prefill_and_decode_of_a_checkpoint_as_json()
    {
        var pkl = TinyCheckpoint.Write(_dir, seed: 3, tokenizerModel: null);
        var (exit, output, error) = await RunAsync("bench", "inference", "--checkpoint", pkl, "--reps", "2", "--steps", "5", "--src", "12", "--json");
        Assert.True(exit == 0, error);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("needle.pkl", json.GetProperty("model").GetString());
        Assert.Equal(12, json.GetProperty("source_tokens").GetInt32());
        Assert.Equal(5, json.GetProperty("decode_steps").GetInt32());
        Assert.True(json.GetProperty("prefill_tokens_per_s").GetDouble() > 0);
        Assert.True(json.GetProperty("decode_tokens_per_s").GetDouble() > 0);
        Assert.Equal("Float16", json.GetProperty("decode_weights").GetString()); // a float16 .pkl decodes in float16
    }

    [Fact]
    public async Task Inference_with_int8_weights_prints_the_two_lines()
    {
        var pkl = TinyCheckpoint.Write(_dir, seed: 4, tokenizerModel: null);
        var (exit, output, error) = await RunAsync("bench", "inference", "--checkpoint", pkl, "--reps", "1", "--steps", "3", "--src", "8", "--weights", "int8");
        Assert.True(exit == 0, error);
        Assert.Matches(@"prefill 1x8: \d+ tok/s", output);
        Assert.Matches(@"greedy decode batch 1, KV cache, Int8 weights: \d+ tok/s", output);
    }

    [Theory]
    [InlineData("--checkpoint", "/nowhere/needle.pkl", 1, "does not exist")]
    [InlineData("--reps", "0", 2, "at least 1")]
    public async Task Bad_arguments_say_what_is_wrong(string option, string value, int code, string message)
    {
        var (exit, _, error) = await RunAsync("bench", "inference", option, value);
        Assert.Equal(code, exit);
        Assert.Contains(message, error);
    }
}
