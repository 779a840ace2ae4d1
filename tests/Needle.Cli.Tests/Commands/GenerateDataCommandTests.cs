using System.CommandLine;
using System.Text.Json.Nodes;

namespace Needle.Cli.Tests.Commands;

public sealed class GenerateDataCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"needle-cli-gen-{Guid.NewGuid():N}");

    public GenerateDataCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<(int Exit, string Out, string Err)> Run(params string[] args) => CliRun.InvokeAsync(args);

    [Fact]
    public async Task Offline_generation_writes_valid_jsonl_and_a_report()
    {
        var tools = Path.Combine(_dir, "tools.json");
        File.WriteAllText(tools, """
            [{"type":"function","function":{"name":"set_alarm","description":"Set an alarm.","parameters":{"type":"object","properties":{"time":{"type":"string","description":"Alarm time"},"label":{"type":"string"}},"required":["time"]}}},
             {"type":"function","function":{"name":"play_music","description":"Play a song.","parameters":{"type":"object","properties":{"song":{"type":"string"},"shuffle":{"type":"boolean"}},"required":["song"]}}}]
            """);
        var outFile = Path.Combine(_dir, "data", "out.jsonl");
        var reportFile = Path.Combine(_dir, "report.json");

        var (exit, stdout, stderr) = await Run("generate-data", "--tools", tools, "--num-samples", "40", "--provider", "offline", "--seed", "5", "--out", outFile, "--report", reportFile);

        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("Wrote 40 examples", stdout);
        Assert.Contains("Per tool", stdout);
        var lines = File.ReadAllLines(outFile);
        Assert.Equal(40, lines.Length);
        foreach (var line in lines)
        {
            var record = JsonNode.Parse(line)!.AsObject();
            Assert.Equal(["query", "tools", "answers", "source", "model", "call_type", "num_tools", "synth_tools", "language"], record.Select(kv => kv.Key));
            Assert.Equal("offline", (string)record["source"]!);
            Assert.IsType<JsonArray>(JsonNode.Parse((string)record["answers"]!)); // a JSON string holding an array, as upstream
            Assert.IsType<JsonArray>(JsonNode.Parse((string)record["tools"]!));
        }
        var report = JsonNode.Parse(File.ReadAllText(reportFile))!;
        Assert.Equal(40, (int)report["Produced"]!);

        // Same seed, same bytes.
        var again = Path.Combine(_dir, "again.jsonl");
        Assert.Equal(0, (await Run("generate-data", "--tools", tools, "--num-samples", "40", "--provider", "offline", "--seed", "5", "--out", again)).Exit);
        Assert.Equal(File.ReadAllBytes(outFile), File.ReadAllBytes(again));
    }

    [Fact]
    public async Task Tools_can_be_a_multi_line_file_with_at_or_the_json_itself()
    {
        // A pretty-printed file: System.CommandLine's response-file expansion would split it into stray arguments.
        var json = "[\n  {\"name\": \"lock_door\", \"description\": \"Lock a door\",\n   \"parameters\": {\"door\": {\"type\": \"string\", \"required\": true}}}\n]";
        var tools = Path.Combine(_dir, "pretty.json");
        File.WriteAllText(tools, json);
        foreach (var value in new[] { "@" + tools, json })
        {
            var outFile = Path.Combine(_dir, $"o{Guid.NewGuid():N}.jsonl");
            var (exit, stdout, stderr) = await Run("generate-data", "--tools", value, "--num-samples", "5", "--provider", "offline", "--out", outFile);
            Assert.True(exit == 0, stderr + stdout);
            Assert.Equal(5, File.ReadAllLines(outFile).Length);
            Assert.Contains("lock_door", File.ReadAllText(outFile));
        }
        var missing = await Run("generate-data", "--tools", "@" + Path.Combine(_dir, "nope.json"), "--provider", "offline", "--out", Path.Combine(_dir, "x.jsonl"));
        Assert.Equal(2, missing.Exit);
        Assert.Contains("nope.json", missing.Err);
    }

    [Fact]
    public async Task A_bad_tool_file_fails_with_its_name_and_the_field()
    {
        var tools = Path.Combine(_dir, "bad.json");
        File.WriteAllText(tools, """[{"name":"x","description":"d","parameters":{"type":"object","properties":{"n":{"type":"nummber"}}}}]""");
        var (exit, _, stderr) = await Run("generate-data", "--tools", tools, "--provider", "offline", "--out", Path.Combine(_dir, "o.jsonl"));
        Assert.Equal(2, exit);
        Assert.Contains(tools, stderr);
        Assert.Contains("parameters.properties.n.type", stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "o.jsonl")));
    }

    [Fact]
    public async Task Gemini_without_a_key_says_how_to_get_one()
    {
        var tools = Path.Combine(_dir, "t.json");
        File.WriteAllText(tools, """[{"name":"ping","description":"Ping.","parameters":{}}]""");
        var saved = Environment.GetEnvironmentVariable("GEMINI_API_KEY");
        try
        {
            Environment.SetEnvironmentVariable("GEMINI_API_KEY", null);
            var (exit, _, stderr) = await Run("generate-data", "--tools", tools, "--provider", "gemini", "--out", Path.Combine(_dir, "o.jsonl"));
            Assert.Equal(2, exit);
            Assert.Contains("GEMINI_API_KEY", stderr);
        }
        finally
        {
            Environment.SetEnvironmentVariable("GEMINI_API_KEY", saved);
        }
    }
}
