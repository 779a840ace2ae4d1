using System.CommandLine;
using System.Text.Json;
using Needle.Cli.Commands;
using Needle.Core.Data;
using Needle.Core.Inference;
using Needle.Core.Model;
using Needle.Core.Tests.Inference;
using Needle.Core.Tests.Training.Finetune;
using Needle.Core.Tokenization;
using Needle.Tests;

namespace Needle.Cli.Tests.Commands;

/// <summary>`needle eval` with an oracle model (answers right or not at all) and on a real tiny checkpoint.</summary>
[Collection(CliStaticsCollection.Name)]
public sealed class EvalCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-evalcli-").FullName;
    private readonly string _checkpoint;
    private readonly List<ToolCallExample> _data = SyntheticToolData.Make(perTool: 30, tools: 2);
    private readonly string _jsonl;
    private readonly SentencePieceTokenizer _tokenizer;

    public EvalCommandTests()
    {
        _checkpoint = TinyCheckpoint.Write(_dir, seed: 4, RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Generation", "bpe-600.model"));
        _tokenizer = SentencePieceTokenizer.Load(Path.Combine(_dir, "needle.model"));
        _jsonl = SyntheticToolData.WriteJsonl(_dir, _data);
    }

    public void Dispose()
    {
        EvalCommand.LoadRuntime = NeedleRuntime.Load;
        Directory.Delete(_dir, recursive: true);
    }

    private void UseOracle(float skill)
    {
        var answers = _data.GroupBy(e => e.Query).ToDictionary(g => g.Key, g => g.First().Answers);
        EvalCommand.LoadRuntime = (c, t) => new NeedleRuntime(new OracleModel(new NeedleConfig { VocabSize = 600 }, _tokenizer, answers, skill, 1), _tokenizer, c, t);
    }

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Parse(["eval", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_perfect_model_scores_one_on_every_example()
    {
        UseOracle(skill: 5);
        var (exit, stdout, stderr) = await Run("--checkpoint", _checkpoint, _jsonl, "--tool-call-samples", "0");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal(60, r.GetProperty("num_samples").GetInt32());
        foreach (var k in new[] { "exact_match", "json_parse_rate", "name_f1", "call_f1", "args_acc", "value_acc" })
            Assert.Equal(1.0, r.GetProperty(k).GetDouble());
        Assert.Equal(0.0, r.GetProperty("empty_pred_pct").GetDouble());
        Assert.StartsWith("{\"num_samples\": 60, \"exact_match\": 1.0, ", stdout);
    }

    [Fact]
    public async Task A_silent_model_scores_zero_and_lists_failures_on_the_stratified_sample()
    {
        UseOracle(skill: 0);
        var (exit, stdout, stderr) = await Run("--checkpoint", _checkpoint, _jsonl, "--failures");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal(14, r.GetProperty("num_samples").GetInt32());   // max(1, 200 // 14) from the single-call, 2-tool bucket
        Assert.Equal(0.0, r.GetProperty("exact_match").GetDouble());
        Assert.Equal(1.0, r.GetProperty("empty_pred_pct").GetDouble());
        var failures = r.GetProperty("failures");
        Assert.Equal(14, failures.GetArrayLength());
        Assert.Equal("", failures[0].GetProperty("got").GetString());
        Assert.Contains(_data, e => e.Query == failures[0].GetProperty("query").GetString());
    }

    [Fact]
    public async Task Runs_a_real_checkpoint_and_reports_bad_lines()
    {
        File.AppendAllText(_jsonl, "oops\n");
        var (exit, stdout, stderr) = await Run("--checkpoint", _checkpoint, _jsonl, "--tool-call-samples", "28", "--max-gen-len", "12");
        Assert.True(exit == 0, stderr);
        Assert.Contains("line 61: invalid JSON (skipped)", stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(2, doc.RootElement.GetProperty("num_samples").GetInt32());
    }

    [Fact]
    public async Task A_missing_data_file_is_named()
    {
        var (exit, _, stderr) = await Run("--checkpoint", _checkpoint, Path.Combine(_dir, "missing.jsonl"));
        Assert.Equal(1, exit);
        Assert.Contains("missing.jsonl", stderr);
    }
}
