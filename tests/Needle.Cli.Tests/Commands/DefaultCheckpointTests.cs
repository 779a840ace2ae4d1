using System.CommandLine;
using System.Diagnostics;
using Needle.Cli.Commands;
using Needle.Core.Checkpoints;
using Needle.Core.Inference;
using Needle.Core.Tests.Inference;
using Needle.Core.Tests.Training.Finetune;
using Needle.Core.Tokenization;
using Needle.Core.Training.Finetune;
using Needle.Tests;

namespace Needle.Cli.Tests.Commands;

/// <summary>
/// `needle run / eval / finetune` without --checkpoint use checkpoints/needle.pkl, else the built-in
/// checkpoints/needle-mini/needle-mini.pkl, and say which on stderr (issue #8).
/// </summary>
[Collection(CliStaticsCollection.Name)]
public sealed class DefaultCheckpointTests : IDisposable
{
    private const string Notice = "using needle-mini (the built-in offline model); `needle download` fetches the real Needle weights";
    private const string Tools = """[{"name":"get_weather","parameters":{"city":{"type":"string"}}}]""";
    private static readonly string Bpe = RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Generation", "bpe-600.model");

    private readonly string _work = Directory.CreateTempSubdirectory("needle-default-").FullName;
    private readonly string _mini;

    public DefaultCheckpointTests()
    {
        // A tiny stand-in for the shipped model, laid out as the repository ships it.
        var dir = Directory.CreateDirectory(Path.Combine(_work, "checkpoints", "needle-mini")).FullName;
        File.Move(TinyCheckpoint.Write(dir, seed: 3, tokenizerModel: null), _mini = Path.Combine(dir, "needle-mini.pkl"));
        File.Copy(Bpe, Path.Combine(dir, "needle-mini.model"));
        File.WriteAllText(Path.Combine(dir, "needle-mini.vocab"), "");
        DefaultCheckpoint.Find = () => DefaultModels.Find(_work, null);
    }

    public void Dispose()
    {
        DefaultCheckpoint.Find = DefaultCheckpoint.FindFromHere;
        EvalCommand.LoadRuntime = NeedleRuntime.Load;
        FinetuneCommand.CreateRunner = () => new FinetuneRunner();
        Directory.Delete(_work, recursive: true);
    }

    private static Task<(int Exit, string Out, string Err)> Cli(params string[] args) => CliRun.InvokeAsync(args);

    private static string Generate(string checkpoint, string query)
    {
        using var runtime = NeedleRuntime.Load(checkpoint);
        return runtime.Generator.Generate(query, Tools, new GenerationOptions { MaxGenLen = 16 });
    }

    [Fact]
    public async Task Run_without_a_checkpoint_uses_needle_mini_and_says_so_on_stderr()
    {
        var (exit, stdout, stderr) = await Cli("run", "--query", "weather in Oslo", "--tools", Tools, "--max-gen-len", "16");
        Assert.True(exit == 0, stderr);
        Assert.Equal(Notice + Environment.NewLine, stderr);
        Assert.Equal(Generate(_mini, "weather in Oslo") + Environment.NewLine, stdout);
    }

    [Fact]
    public async Task Downloaded_needle_weights_take_precedence_over_needle_mini()
    {
        // `needle download` layout: checkpoints/needle.pkl + checkpoints/tokenizer/needle.model.
        var tokenizerDir = Directory.CreateDirectory(Path.Combine(_work, "checkpoints", "tokenizer")).FullName;
        var needle = TinyCheckpoint.Write(Path.Combine(_work, "checkpoints"), seed: 9, tokenizerModel: null);
        File.Copy(Bpe, Path.Combine(tokenizerDir, "needle.model"));

        var (exit, stdout, stderr) = await Cli("run", "--query", "weather in Oslo", "--tools", Tools, "--max-gen-len", "16");
        Assert.True(exit == 0, stderr);
        Assert.Equal($"using the Needle weights ({needle}){Environment.NewLine}", stderr);
        Assert.Equal(Generate(needle, "weather in Oslo") + Environment.NewLine, stdout);
    }

    [Fact]
    public async Task An_explicit_checkpoint_is_used_silently()
    {
        var other = TinyCheckpoint.Write(Directory.CreateDirectory(Path.Combine(_work, "other")).FullName, seed: 4, Bpe);
        var (exit, stdout, stderr) = await Cli("run", "--checkpoint", other, "--query", "weather in Oslo", "--tools", Tools, "--max-gen-len", "16");
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Equal(Generate(other, "weather in Oslo") + Environment.NewLine, stdout);
    }

    [Fact]
    public async Task Without_any_model_the_error_says_how_to_get_one()
    {
        DefaultCheckpoint.Find = () => null;
        foreach (var args in new[] { new[] { "run", "--query", "q" }, ["eval", Path.Combine(_work, "none.jsonl"), "--tool-call-samples", "0"], ["finetune", Path.Combine(_work, "none.jsonl")] })
        {
            if (args[0] == "eval") File.WriteAllText(args[1], """{"query":"q","tools":"[]","answers":"[]"}""" + "\n");
            var (exit, _, stderr) = await Cli(args);
            Assert.Equal(1, exit);
            Assert.Contains("--checkpoint", stderr);
            Assert.Contains("needle download", stderr);
            Assert.StartsWith($"needle {args[0]}: no --checkpoint given", stderr);
        }
    }

    [Fact]
    public async Task Eval_and_finetune_default_to_the_same_model()
    {
        var data = SyntheticToolData.Make(perTool: 30, tools: 2);
        var jsonl = SyntheticToolData.WriteJsonl(_work, data);
        var loaded = new List<(string, string?)>();
        EvalCommand.LoadRuntime = (c, t) => { loaded.Add((c, t)); return NeedleRuntime.Load(c, t); };
        var (exit, _, stderr) = await Cli("eval", jsonl, "--tool-call-samples", "0", "--max-gen-len", "4");
        Assert.True(exit == 0, stderr);
        Assert.Equal(Notice + Environment.NewLine, stderr);
        Assert.Equal((_mini, Path.ChangeExtension(_mini, ".model")), Assert.Single(loaded));

        var tokenizer = SentencePieceTokenizer.Load(Bpe);
        FinetuneCommand.CreateRunner = () => new FinetuneRunner(new FakeEngine(data, tokenizer));
        (exit, var stdout, stderr) = await Cli("finetune", jsonl, "--out", Path.Combine(_work, "out"), "--max-enc-len", "128", "--max-dec-len", "64", "--no-bundle");
        Assert.True(exit == 0, stderr + stdout);
        Assert.Equal(Notice + Environment.NewLine, stderr);
        Assert.Contains("from needle-mini.pkl", stdout);
    }

    [Fact]
    public async Task The_needle_process_finds_checkpoints_from_its_working_directory_upward()
    {
        var below = Directory.CreateDirectory(Path.Combine(_work, "project", "src")).FullName;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = below };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "needle.dll"), "run", "--query", "weather in Oslo", "--tools", Tools, "--max-gen-len", "16" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, stderr);
        Assert.Equal(Notice, stderr.Trim());
        Assert.Equal(Generate(_mini, "weather in Oslo"), (await stdout).TrimEnd('\n', '\r'));
    }
}
