using System.CommandLine;
using Needle.Cli.Commands;
using Needle.Core.Data;
using Needle.Core.Tests.Inference;
using Needle.Core.Tests.Training.Finetune;
using Needle.Core.Tokenization;
using Needle.Core.Training.Finetune;
using Needle.Tests;

namespace Needle.Cli.Tests.Commands;

/// <summary>`needle finetune` over the oracle model and fake trainer (the real trainer is tested in Core).</summary>
[Collection(CliStaticsCollection.Name)]
public sealed class FinetuneCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-ftcli-").FullName;
    private readonly string _checkpoint;
    private readonly List<ToolCallExample> _data = SyntheticToolData.Make(perTool: 30, tools: 2);
    private readonly string _jsonl;

    public FinetuneCommandTests()
    {
        _checkpoint = TinyCheckpoint.Write(_dir, seed: 2, RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Generation", "bpe-600.model"));
        _jsonl = SyntheticToolData.WriteJsonl(_dir, _data);
        var tokenizer = SentencePieceTokenizer.Load(Path.Combine(_dir, "needle.model"));
        FinetuneCommand.CreateRunner = () => new FinetuneRunner(new FakeEngine(_data, tokenizer));
    }

    public void Dispose()
    {
        FinetuneCommand.CreateRunner = () => new FinetuneRunner();
        DefaultCheckpoint.Find = DefaultCheckpoint.FindFromHere;
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Parse(["finetune", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Prints_upstream_eval_lines_progress_and_the_bundle()
    {
        var outDir = Path.Combine(_dir, "out");
        var (exit, stdout, stderr) = await Run(_jsonl, "--checkpoint", _checkpoint, "--out", outDir, "--max-enc-len", "128", "--max-dec-len", "64", "--seed", "42");
        Assert.True(exit == 0, stderr + stdout);
        var lines = stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        // The oracle answers nothing before training and everything after it (10 test examples per tool).
        Assert.Contains("""BASE_EVAL:{"call_f1": 0.0, "name_f1": 0.0, "exact_match": 0.0, "parse_rate": 0.0, "args_acc": 0.0, "n": 20, "per_tool": {"get_weather": {"correct": 0, "total": 10}, "set_timer": {"correct": 0, "total": 10}}}""", lines);
        Assert.Contains("""FINETUNED_EVAL:{"call_f1": 1.0, "name_f1": 1.0, "exact_match": 1.0, "parse_rate": 1.0, "args_acc": 1.0, "n": 20, "per_tool": {"get_weather": {"correct": 10, "total": 10}, "set_timer": {"correct": 10, "total": 10}}}""", lines);
        Assert.Contains("Split: 20 train / 20 val / 20 test (per-tool)", lines);
        int baseAt = lines.FindIndex(l => l.StartsWith("BASE_EVAL:")), fineAt = lines.FindIndex(l => l.StartsWith("FINETUNED_EVAL:"));
        Assert.Contains(lines.Skip(baseAt).Take(fineAt - baseAt), l => l.StartsWith("  step 1/"));
        Assert.StartsWith("Evaluating finetuned model on 20 test examples", lines[lines.FindLastIndex(fineAt, l => l.StartsWith("Evaluating finetuned"))]);

        var bundleLine = lines.Single(l => l.StartsWith("Bundle: "));
        Assert.True(File.Exists(bundleLine["Bundle: ".Length..]));
        Assert.StartsWith(outDir, bundleLine["Bundle: ".Length..]);
        Assert.True(File.Exists(lines.Single(l => l.StartsWith("Best checkpoint: "))["Best checkpoint: ".Length..]));
    }

    [Fact]
    public async Task Unusable_data_exits_2_with_the_reason()
    {
        var bad = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllText(bad, "{}\n");
        var (exit, _, stderr) = await Run(bad, "--checkpoint", _checkpoint, "--out", Path.Combine(_dir, "o"));
        Assert.Equal(2, exit);
        Assert.Contains("at least 3 valid examples", stderr);
    }

    [Fact]
    public async Task A_missing_data_file_exits_1_naming_it()
    {
        var (exit, _, stderr) = await Run(Path.Combine(_dir, "none.jsonl"), "--checkpoint", _checkpoint, "--out", Path.Combine(_dir, "o"));
        Assert.Equal(1, exit);
        Assert.Contains("none.jsonl", stderr);
    }

    [Fact]
    public async Task Bad_settings_exit_2()
    {
        var (exit, _, stderr) = await Run(_jsonl, "--checkpoint", _checkpoint, "--epochs", "0");
        Assert.Equal(2, exit);
        Assert.Contains("Epochs must be positive", stderr);
    }

    [Fact]
    public async Task Cancellation_exits_130()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var error = new StringWriter();
        var exit = await CliApp.Parse(["finetune", _jsonl, "--checkpoint", _checkpoint, "--out", Path.Combine(_dir, "c")])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error }, cts.Token);
        Assert.Equal(130, exit);
        Assert.Contains("cancelled", error.ToString());
    }

    [Fact]
    public async Task Without_a_checkpoint_or_a_default_model_it_asks_for_one()
    {
        DefaultCheckpoint.Find = () => null;
        var (exit, _, _) = await Run(_jsonl);
        Assert.NotEqual(0, exit);
    }
}

/// <summary>`needle finetune` with the real engine (the default runner): a few steps on a tiny random checkpoint.</summary>
[Collection(CliStaticsCollection.Name)]
public sealed class FinetuneEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-fte2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Trains_with_the_real_engine_and_writes_a_loadable_best_checkpoint_and_bundle()
    {
        var checkpoint = TinyCheckpoint.Write(_dir, seed: 8, RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Generation", "bpe-600.model"));
        var jsonl = SyntheticToolData.WriteJsonl(_dir, SyntheticToolData.Make(perTool: 12, tools: 2, shortTools: true));
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Parse(["finetune", jsonl, "--checkpoint", checkpoint, "--out", Path.Combine(_dir, "out"),
                "--max-steps", "2", "--max-enc-len", "64", "--max-dec-len", "32", "--max-gen-len", "8", "--lr", "1e-4"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(exit == 0, error.ToString() + output);
        var lines = output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Single(lines, l => l.StartsWith("BASE_EVAL:{\"call_f1\": "));
        Assert.Single(lines, l => l.StartsWith("FINETUNED_EVAL:{\"call_f1\": "));
        Assert.Contains(lines, l => l.StartsWith("  step 2/2 "));
        var best = lines.Single(l => l.StartsWith("Best checkpoint: "))["Best checkpoint: ".Length..];
        Assert.EndsWith("_2_32_best.pkl", best);
        var (data, config) = Needle.Core.Checkpoints.CheckpointFile.LoadValidated(best);
        Assert.Equal(TinyCheckpoint.Config, config);
        Assert.True(File.Exists(lines.Single(l => l.StartsWith("Bundle: "))["Bundle: ".Length..]));
    }
}
