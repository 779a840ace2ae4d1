using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Needle.Core.Inference;
using Needle.Core.Tests.Inference;
using Needle.Tests;

namespace Needle.Cli.Tests.Commands;

/// <summary>`needle run` on a real pickled checkpoint and SentencePiece model, in process and as a process.</summary>
[Collection(CliStaticsCollection.Name)]
public sealed class RunEndToEndTests : IDisposable
{
    private const string Tools = """[{"name":"getWeather","parameters":{"city":{"type":"string"}}}]""";
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-run-").FullName;
    private readonly string _checkpoint;

    public RunEndToEndTests() =>
        _checkpoint = TinyCheckpoint.Write(_dir, seed: 5,
            RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Generation", "bpe-600.model"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Expected(GenerationOptions options)
    {
        using var runtime = NeedleRuntime.Load(_checkpoint);
        return runtime.Generator.Generate("weather in Paris?", Tools, options);
    }

    [Fact]
    public async Task Prints_what_the_generator_returns_for_the_checkpoint()
    {
        var output = new StringWriter();
        var exit = await CliApp.Parse(["run", "--checkpoint", _checkpoint, "--query", "weather in Paris?", "--tools", Tools, "--max-gen-len", "30"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter() });
        Assert.Equal(0, exit);
        Assert.Equal(Expected(new GenerationOptions { MaxGenLen = 30 }) + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void The_needle_process_prints_the_result_and_json_timings()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "needle.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "run", "--checkpoint", _checkpoint, "--query", "weather in Paris?", "--tools", Tools, "--max-gen-len", "20", "--no-constrained", "--json" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(Expected(new GenerationOptions { MaxGenLen = 20, Constrained = false }), doc.RootElement.GetProperty("result").GetString());
        Assert.InRange(doc.RootElement.GetProperty("generated_tokens").GetInt32(), 0, 19);
        Assert.True(doc.RootElement.GetProperty("total_ms").GetDouble() > 0);
    }

    [Fact]
    public async Task A_missing_checkpoint_is_reported_by_path()
    {
        var error = new StringWriter();
        var missing = Path.Combine(_dir, "nope.pkl");
        File.Copy(Path.Combine(_dir, "needle.model"), Path.Combine(_dir, "tok.model"));
        var exit = await CliApp.Parse(["run", "--checkpoint", missing, "--tokenizer", Path.Combine(_dir, "tok.model"), "--query", "q"])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(1, exit);
        Assert.Contains("nope.pkl", error.ToString());
        Assert.Contains("needle download", error.ToString());
    }
}
