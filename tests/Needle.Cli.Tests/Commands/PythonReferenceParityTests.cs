using System.CommandLine;
using System.Text.Json;
using Needle.Core.Checkpoints;
using Needle.Core.Tests.Checkpoints;
using Needle.Core.Tests.Training.Finetune;
using Needle.Tests;

namespace Needle.Cli.Tests.Commands;

/// <summary>
/// Checkpoints cross the language boundary both ways with identical results (issue #5): a .pkl finetuned and written
/// by `needle finetune` loads in the independent PyTorch reference (Python's pickle + numpy,
/// tools/reference/generate_from_pkl.py) and generates, constrained and unconstrained, exactly the strings
/// `needle run` prints; and a .pkl written by Python does the same in `needle run`. Both sides start from the
/// reference's brief-trained fixture model, so the calls are real tool calls rather than noise.
/// </summary>
[Collection(CliStaticsCollection.Name)]
public sealed class PythonReferenceParityTests : IDisposable
{
    private const int MaxGenLen = 96;
    private static readonly string Fixtures = RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Model");
    private static readonly string Script = RepoPaths.Combine("tools", "reference", "generate_from_pkl.py");

    private const string Weather = """{"name": "get_weather", "description": "Get the current weather for a location", "parameters": {"location": {"type": "string", "description": "City name", "required": true}}}""";
    private const string Message = """{"name": "send_message", "description": "Send a text message to a contact", "parameters": {"recipient": {"type": "string", "description": "Contact name", "required": true}, "message": {"type": "string", "description": "Message text", "required": true}}}""";
    private const string Alarm = """{"name": "set_alarm", "description": "Set an alarm", "parameters": {"time": {"type": "string", "description": "Alarm time like 7:30", "required": true}}}""";
    // Names and keys the model never saw: constrained decoding has to force them.
    private const string Forecast = """{"name": "fetchForecast", "description": "Weather forecast", "parameters": {"city": {"type": "string", "description": "City", "required": true}}}""";
    private const string Stock = """{"name": "getStockPrice", "description": "Get the latest stock price", "parameters": {"symbol": {"type": "string", "description": "Ticker symbol", "required": true}}}""";

    // Toy-domain queries (what the fixture model was trained on), renamed and unseen tools, several tools, no tools,
    // invalid JSON.
    private static readonly (string Query, string Tools)[] Cases =
    [
        ("what is the weather in Paris", $"[{Weather}]"),
        ("text Bob saying on my way", $"[{Message}, {Alarm}]"),
        ("wake me up at 7:15", $"[{Weather}, {Alarm}]"),
        ("how is NVDA stock doing", $"[{Stock}]"),
        ("is it raining in Tokyo", $"[{Stock}, {Weather}, {Message}]"),
        ("weather for Rome", $"[{Forecast}]"),
        ("tell me a joke", $"[{Weather}]"),
        ("play the song Halo", "[]"),
        ("set an alarm for 6:30", "this is not json"),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("needle-pyparity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_checkpoint_finetuned_and_written_by_us_generates_the_same_strings_in_the_python_reference()
    {
        var baseModel = Path.Combine(_dir, "base", "trained.pkl");
        Directory.CreateDirectory(Path.GetDirectoryName(baseModel)!);
        File.Copy(Path.Combine(Fixtures, "trained.pkl"), baseModel);
        File.Copy(Path.Combine(Fixtures, "tokenizer.model"), Path.Combine(_dir, "base", "tokenizer.model"));
        var data = SyntheticToolData.WriteJsonl(_dir, SyntheticToolData.Make(perTool: 12, tools: 2, shortTools: true));

        var (exit, stdout, stderr) = await Cli("finetune", data, "--checkpoint", baseModel, "--out", Path.Combine(_dir, "out"),
            "--max-steps", "4", "--min-steps", "4", "--batch-size", "4", "--no-dropout", "--no-bundle",
            "--max-enc-len", "128", "--max-dec-len", "64", "--max-gen-len", "32");
        Assert.True(exit == 0, stderr + stdout);
        var finetuned = stdout.Split('\n').Select(l => l.TrimEnd('\r')).Single(l => l.StartsWith("Best checkpoint: ", StringComparison.Ordinal))["Best checkpoint: ".Length..];

        // Training really moved the weights, and our writer stored them as upstream does (float16 leaves).
        var before = CheckpointFile.Load(baseModel).Params;
        var after = CheckpointFile.Load(finetuned).Params;
        Assert.All(after.Values, a => Assert.Equal(NdDType.Float16, a.StoredAs));
        Assert.Contains(after, kv => !kv.Value.Data.AsSpan().SequenceEqual(before[kv.Key].Data));

        var tokenizer = Path.Combine(_dir, "base", "tokenizer.model");
        await AssertSameStrings(finetuned, tokenizer);
    }

    [Fact]
    public async Task A_checkpoint_written_by_python_generates_the_same_strings_in_needle_run()
    {
        // trained.pkl was pickled by the reference (float32 leaves, log_temp of shape (1,)).
        await AssertSameStrings(Path.Combine(Fixtures, "trained.pkl"), Path.Combine(Fixtures, "tokenizer.model"));
    }

    private async Task AssertSameStrings(string checkpoint, string tokenizer)
    {
        var ours = new List<(string Unconstrained, string Constrained)>();
        foreach (var (query, tools) in Cases)
            ours.Add((await Run(checkpoint, tokenizer, query, tools, constrained: false), await Run(checkpoint, tokenizer, query, tools, constrained: true)));

        var theirs = Reference(checkpoint, tokenizer);
        Assert.Equal(Cases.Length, theirs.Count);
        for (int i = 0; i < Cases.Length; i++)
        {
            var py = theirs[i];
            var why = $"case {i} ({Cases[i].Query}); reference margins: unconstrained {py.GetProperty("unconstrained_margin")}, constrained {py.GetProperty("constrained_margin")}";
            Assert.True(py.GetProperty("unconstrained").GetString() == ours[i].Unconstrained,
                $"unconstrained, {why}:\n  python: {py.GetProperty("unconstrained").GetString()}\n  needle: {ours[i].Unconstrained}");
            Assert.True(py.GetProperty("constrained").GetString() == ours[i].Constrained,
                $"constrained, {why}:\n  python: {py.GetProperty("constrained").GetString()}\n  needle: {ours[i].Constrained}");
        }
        // The comparison is about real tool calls: most constrained outputs name one of the case's tools.
        Assert.True(ours.Count(o => o.Constrained.Contains("\"name\":", StringComparison.Ordinal)) >= Cases.Length / 2,
            string.Join("\n", ours.Select(o => o.Constrained)));
    }

    /// <summary>`needle run` in process, exactly as a user types it; the printed line without its newline.</summary>
    private static async Task<string> Run(string checkpoint, string tokenizer, string query, string tools, bool constrained)
    {
        string[] args = ["run", "--checkpoint", checkpoint, "--tokenizer", tokenizer, "--query", query, "--tools", tools, "--max-gen-len", $"{MaxGenLen}"];
        var (exit, stdout, stderr) = await Cli(constrained ? args : [.. args, "--no-constrained"]);
        Assert.True(exit == 0, stderr);
        Assert.EndsWith(Environment.NewLine, stdout);
        return stdout[..^Environment.NewLine.Length];
    }

    private List<JsonElement> Reference(string checkpoint, string tokenizer)
    {
        var cases = Path.Combine(_dir, "cases.json");
        File.WriteAllText(cases, JsonSerializer.Serialize(Cases.Select(c => new { query = c.Query, tools = c.Tools })));
        var (exit, output) = PythonProcess.Run(Script, checkpoint, tokenizer, cases, "--max-gen-len", $"{MaxGenLen}");
        Assert.True(exit == 0, output);
        // stdout (one JSON line) comes first; anything after it is stderr (warnings).
        using var doc = JsonDocument.Parse(output.Split('\n')[0]);
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static Task<(int Exit, string Out, string Err)> Cli(params string[] args) => CliRun.InvokeAsync(args);
}
