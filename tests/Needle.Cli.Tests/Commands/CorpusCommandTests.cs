using System.CommandLine;
using Needle.Core.Tools;
using Needle.Synthesis.Catalog;
using Needle.Synthesis.Records;
using Needle.Tests;

namespace Needle.Cli.Tests.Commands;

public sealed class CorpusCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-corpus-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Parse(["corpus", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Writes_the_seeded_stream_for_training_or_held_out_tools()
    {
        var catalog = ToolCatalog.Load(RepoPaths.Combine("src", "Needle.Synthesis", "Catalog", "Data"));
        var train = Path.Combine(_dir, "train.jsonl");
        var (exit, stdout, stderr) = await Run("--count", "50", "--seed", "9", "--out", train, "--catalog", catalog.Directory);
        Assert.True(exit == 0, stderr + stdout);
        var records = SynthesisJsonl.Read(train);
        Assert.Equal(50, records.Count);
        var expected = new PretrainCorpus(catalog.Tools.Where(t => !catalog.HeldOutNames.Contains(t.Tool.Name)).ToList(), new PretrainCorpusOptions { Seed = 9 }).Take(50);
        Assert.Equal(expected.Select(SynthesisJsonl.ToLine), records.Select(SynthesisJsonl.ToLine));

        var held = Path.Combine(_dir, "held.jsonl");
        (exit, _, stderr) = await Run("--count", "30", "--out", held, "--catalog", catalog.Directory, "--held-out");
        Assert.True(exit == 0, stderr);
        var shown = SynthesisJsonl.Read(held).Where(r => r.Tools != "[]").SelectMany(r => ToolSchemaParser.Parse(r.Tools).Tools).Select(t => t.Name).ToList();
        Assert.NotEmpty(shown);
        Assert.All(shown, n => Assert.Contains(n, catalog.HeldOutNames));
    }

    [Fact]
    public async Task A_missing_catalogue_is_a_clear_error()
    {
        var (exit, _, stderr) = await Run("--out", Path.Combine(_dir, "x.jsonl"), "--catalog", Path.Combine(_dir, "nope"));
        Assert.Equal(2, exit);
        Assert.Contains("catalogue not found", stderr);
    }
}
