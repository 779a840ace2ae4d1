using System.CommandLine;
using System.Text.Json;
using Needle.Cli.Commands;
using Needle.Core.Inference;
using Needle.Core.Kernels;
using Needle.Core.Tests.Inference;

namespace Needle.Cli.Tests.Commands;

/// <summary>`needle run` over a scripted model (the runtime loader is swapped; the real one is tested end to end elsewhere).</summary>
[Collection(CliStaticsCollection.Name)]
public sealed class RunCommandTests : IDisposable
{
    private static readonly FakeTokenizer Tok = new(["\u2581[{\"", "name", "\":\"", "get", "_weather", "\",\"", "arguments", "\":{\"", "city", "Paris", "\"}}]", "\u2581[]"]);
    private readonly List<(string Checkpoint, string? Tokenizer)> _loads = [];
    private readonly List<WeightPrecision?> _precisions = [];
    private readonly List<ScriptedModel> _models = [];

    public RunCommandTests()
    {
        RunCommand.LoadRuntime = (checkpoint, tokenizer, precision) =>
        {
            _loads.Add((checkpoint, tokenizer));
            _precisions.Add(precision);
            int[] P(params string[] p) => p.Select(Tok.Id).ToArray();
            var model = new ScriptedModel(Tok.VocabSize,
            [
                P("<tool_call>"), P("\u2581[{\""), P("name"), P("\":\""), P("get"), P("_weather"), P("\",\""), P("arguments"),
                P("\":{\""), P("city"), P("\":\""), P("Paris"), P("\"}}]"), [1],
            ]);
            _models.Add(model);
            return new NeedleRuntime(model, Tok, checkpoint, tokenizer);
        };
    }

    public void Dispose()
    {
        RunCommand.LoadRuntime = NeedleRuntime.Load;
        DefaultCheckpoint.Find = DefaultCheckpoint.FindFromHere;
    }

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Parse(["run", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Prints_the_generate_result_on_one_line()
    {
        var (exit, output, _) = await Run("--checkpoint", "m.pkl", "--query", "weather in Paris", "--tools", """[{"name":"getWeather","parameters":{"city":{"type":"string"}}}]""");
        Assert.Equal(0, exit);
        Assert.Equal("""[{"name":"getWeather","arguments":{"city":"Paris"}}]""" + Environment.NewLine, output);
        Assert.Equal(("m.pkl", (string?)null), _loads.Single());
        Assert.Null(_precisions.Single()); // auto: the loader picks from the checkpoint
    }

    [Theory]
    [InlineData("int8", WeightPrecision.Int8)]
    [InlineData("fp16", WeightPrecision.Float16)]
    [InlineData("fp32", WeightPrecision.Float32)]
    public async Task Weights_option_chooses_the_decode_precision(string value, WeightPrecision expected)
    {
        var (exit, _, _) = await Run("--checkpoint", "m.pkl", "--query", "q", "--weights", value);
        Assert.Equal(0, exit);
        Assert.Equal(expected, _precisions.Single());
    }

    [Fact]
    public async Task Unknown_weights_value_is_rejected()
    {
        var (exit, _, _) = await Run("--checkpoint", "m.pkl", "--query", "q", "--weights", "int4");
        Assert.NotEqual(0, exit);
        Assert.Empty(_loads);
    }

    [Fact]
    public async Task Reads_tools_from_a_file_and_passes_the_tokenizer_and_max_len()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """[{"name":"get_weather","parameters":{"city":{"type":"string"}}}]""");
            var (exit, output, _) = await Run("--checkpoint", "m.pkl", "--tokenizer", "t.model", "--query", "q", "--tools", "@" + file, "--max-gen-len", "4");
            Assert.Equal(0, exit);
            Assert.Equal(("m.pkl", "t.model"), _loads.Single());
            Assert.Equal(3, _models.Single().Fed.Count);    // MaxGenLen 4 → 3 decode steps
            Assert.Equal(" [{\"name" + Environment.NewLine, output); // cut short, not JSON: printed as is
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public async Task Json_output_carries_the_result_and_timings()
    {
        var (exit, output, _) = await Run("--checkpoint", "m.pkl", "--query", "q", "--tools", "[]", "--json", "--no-constrained");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("""[{"name":"get_weather","arguments":{"city":"Paris"}}]""", root.GetProperty("result").GetString()!.Trim());
        Assert.Equal(13, root.GetProperty("generated_tokens").GetInt32());
        Assert.True(root.GetProperty("prompt_tokens").GetInt32() > 1);
        foreach (var key in new[] { "prefill_tokens_per_s", "decode_tokens_per_s", "load_ms", "prefill_ms", "decode_ms", "total_ms" })
            Assert.True(root.GetProperty(key).GetDouble() >= 0, key);
    }

    [Fact]
    public async Task Without_a_query_the_three_built_in_examples_run()
    {
        var (exit, output, _) = await Run("--checkpoint", "m.pkl");
        Assert.Equal(0, exit);
        Assert.Equal(3, output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task A_missing_tools_file_is_a_clear_error()
    {
        var (exit, _, error) = await Run("--checkpoint", "m.pkl", "--query", "q", "--tools", "@/no/such/tools.json");
        Assert.Equal(1, exit);
        Assert.Contains("/no/such/tools.json", error);
    }

    [Fact]
    public async Task Without_a_checkpoint_or_a_default_model_it_asks_for_one()
    {
        DefaultCheckpoint.Find = () => null;
        var (exit, _, error) = await Run("--query", "q");
        Assert.NotEqual(0, exit);
        Assert.Contains("--checkpoint", error);
    }
}
