using System.CommandLine;
using Needle.Core.Checkpoints;
using Needle.Core.Inference;
using Needle.Synthesis.Pretrain;
using Needle.Tests;

namespace Needle.Cli.Tests.Commands;

/// <summary>`needle pretrain --preset tiny`: the real trainer, catalogue and corpus, a few steps in two segments.</summary>
public sealed class PretrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-pretrain-").FullName;
    private static readonly string Tokenizer = RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Generation", "bpe-600.model");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Parse(["pretrain", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private string[] Args(string name, params string[] more) => SeedArgs(name, 5, more);

    private string[] SeedArgs(string name, int seed, params string[] more) =>
        ["--preset", "tiny", "--out", Path.Combine(_dir, name), "--tokenizer", Tokenizer, "--catalog", RepoPaths.Combine("src", "Needle.Synthesis", "Catalog", "Data"), "--seed", $"{seed}", .. more];

    [Fact]
    public async Task Tiny_run_writes_a_loadable_model_card_and_resumes_to_the_same_bytes()
    {
        // Uninterrupted run.
        var (exit, stdout, stderr) = await Run(Args("full"));
        Assert.True(exit == 0, stderr + stdout);
        var model = Path.Combine(_dir, "full", "needle-mini.pkl");
        Assert.Contains($"Model: {model}", stdout);
        Assert.Contains(stdout.Split('\n'), l => l.StartsWith("HELDOUT_EVAL:{"));
        var loaded = CheckpointFile.Load(model);
        Assert.Equal(64L, Convert.ToInt64(loaded.Config["d_model"]));
        Assert.Equal(NdDType.Float16, loaded.Params.Values.First().StoredAs);
        using (var runtime = NeedleRuntime.Load(model, Path.Combine(_dir, "full", "needle-mini.model")))
            Assert.NotNull(runtime.Generator.Generate("set a timer for 5 minutes", """[{"name":"set_timer","description":"Start a timer.","parameters":{}}]""", new GenerationOptions { MaxGenLen = 8 }));
        var card = File.ReadAllText(Path.Combine(_dir, "full", "MODEL_CARD.md"));
        Assert.Contains("held-out tools", card);
        Assert.Contains("needle pretrain --preset tiny --seed 5 --steps 4", card);
        var state = PretrainState.Load(Path.Combine(_dir, "full"))!;
        Assert.Equal(4, state.StepsDone);
        Assert.Equal(2, state.SegmentsDone);
        Assert.Equal(48, state.CorpusPosition);

        // Interrupted after one segment, then resumed: same state and the same model bytes.
        (exit, stdout, stderr) = await Run(Args("split", "--max-segments", "1"));
        Assert.True(exit == 3, stderr + stdout);
        Assert.Equal(1, PretrainState.Load(Path.Combine(_dir, "split"))!.SegmentsDone);
        Assert.False(File.Exists(Path.Combine(_dir, "split", "needle-mini.pkl")));
        (exit, stdout, stderr) = await Run(Args("split", "--resume"));
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("Resuming after segment 1", stdout);
        Assert.Equal(File.ReadAllBytes(model), File.ReadAllBytes(Path.Combine(_dir, "split", "needle-mini.pkl")));
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "full", "metrics.json")), File.ReadAllText(Path.Combine(_dir, "split", "metrics.json")));

        // Resuming with another seed is refused.
        (exit, _, stderr) = await Run(SeedArgs("split", 6, "--resume"));
        Assert.Equal(2, exit);
        Assert.Contains("seed 5", stderr);
    }

    [Fact]
    public async Task Missing_tokenizer_and_unknown_preset_are_clear_errors()
    {
        var (exit, _, stderr) = await Run("--preset", "tiny", "--out", Path.Combine(_dir, "x"), "--catalog", RepoPaths.Combine("src", "Needle.Synthesis", "Catalog", "Data"));
        Assert.Equal(2, exit);
        Assert.Contains("make_tokenizer.py", stderr);
        (exit, _, stderr) = await Run("--preset", "huge", "--out", Path.Combine(_dir, "y"), "--tokenizer", Tokenizer, "--catalog", RepoPaths.Combine("src", "Needle.Synthesis", "Catalog", "Data"));
        Assert.Equal(2, exit);
        Assert.Contains("Unknown preset 'huge'", stderr);
    }
}
