using System.CommandLine;
using System.IO.Compression;
using System.Text.Json;
using Needle.Tests;

namespace Needle.Cli.Tests.Commands;

/// <summary>Console.SetIn is process-wide: this collection runs alone, never beside other tests.</summary>
[CollectionDefinition(nameof(TokenizeConsoleCollection), DisableParallelization = true)]
public sealed class TokenizeConsoleCollection;

/// <summary>`needle tokenize` in-process, with stdin redirected; expected ids come from the sentencepiece goldens.</summary>
[Collection(nameof(TokenizeConsoleCollection))]
public sealed class TokenizeCommandTests
{
    private static readonly string FixtureDir = RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Tokenizer");
    private static readonly string ModelPath = Path.Combine(FixtureDir, "needle-like-8192.model");

    [Fact]
    public async Task Encodes_each_line_to_the_reference_ids_and_decodes_them_back()
    {
        var texts = ReadGz<string[]>("texts.json.gz");
        var golden = ReadGz<JsonElement>("needle-like-8192.golden.json.gz");
        // Lines that survive line splitting and whose decoding is the text itself.
        var decodedDiffers = golden.GetProperty("decoded").EnumerateObject().Select(p => int.Parse(p.Name)).ToHashSet();
        var chosen = Enumerable.Range(0, texts.Length)
            .Where(i => texts[i].Length is > 0 and < 300 && texts[i].IndexOfAny(['\n', '\r']) < 0 && !decodedDiffers.Contains(i))
            .Take(200).ToArray();
        Assert.True(chosen.Length >= 100);
        var expectedIds = chosen.Select(i => string.Join(' ', golden.GetProperty("ids")[i].EnumerateArray().Select(e => e.GetInt32()))).ToArray();

        var (exit, output, error) = await RunAsync(string.Join('\n', chosen.Select(i => texts[i])) + "\n", "tokenize", "--tokenizer", ModelPath);
        Assert.True(exit == 0, error);
        Assert.Equal(expectedIds, output.Split('\n')[..^1]);

        (exit, output, error) = await RunAsync(string.Join('\n', expectedIds) + "\n", "tokenize", "--tokenizer", ModelPath, "--decode");
        Assert.True(exit == 0, error);
        Assert.Equal(chosen.Select(i => texts[i]), output.Split('\n')[..^1]);
    }

    [Fact]
    public async Task Pieces_mode_prints_the_reference_pieces()
    {
        var golden = ReadGz<JsonElement>("needle-like-8192.golden.json.gz");
        var vocab = golden.GetProperty("spec").GetProperty("pieces").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var texts = ReadGz<string[]>("texts.json.gz");
        var i = Array.IndexOf(texts, "What's the weather in Paris tomorrow?");
        var expected = string.Join(' ', golden.GetProperty("ids")[i].EnumerateArray().Select(e => vocab[e.GetInt32()]));

        var (exit, output, _) = await RunAsync(texts[i] + "\n", "tokenize", "-t", ModelPath, "--pieces");
        Assert.Equal(0, exit);
        Assert.Equal(expected + "\n", output);
    }

    [Fact]
    public async Task Empty_line_gives_an_empty_line()
    {
        var (exit, output, _) = await RunAsync("\n\n", "tokenize", "--tokenizer", ModelPath);
        Assert.Equal(0, exit);
        Assert.Equal("\n\n", output);
    }

    [Fact]
    public async Task Bad_ids_fail_with_the_line_number()
    {
        var (exit, _, error) = await RunAsync("1 2\n3 x\n", "tokenize", "--tokenizer", ModelPath, "--decode");
        Assert.Equal(1, exit);
        Assert.Contains("line 2", error);
        Assert.Contains("\"x\"", error);

        (exit, _, error) = await RunAsync("8192\n", "tokenize", "--tokenizer", ModelPath, "--decode");
        Assert.Equal(1, exit);
        Assert.Contains("8192", error);
    }

    [Fact]
    public async Task Bad_tokenizer_file_names_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"needle-cli-{Guid.NewGuid():N}.model");
        await File.WriteAllBytesAsync(path, [0x0A, 0x50, 0x01]);
        try
        {
            var (exit, _, error) = await RunAsync("hello\n", "tokenize", "--tokenizer", path);
            Assert.Equal(1, exit);
            Assert.Contains(path, error);
            Assert.Contains("malformed protobuf", error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Decode_and_pieces_together_are_refused()
    {
        var (exit, _, error) = await RunAsync("", "tokenize", "--tokenizer", ModelPath, "--decode", "--pieces");
        Assert.Equal(2, exit);
        Assert.Contains("cannot be combined", error);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var original = Console.In;
        Console.SetIn(new StringReader(stdin));
        try
        {
            var exit = await CliApp.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetIn(original);
        }
    }

    private static T ReadGz<T>(string file)
    {
        using var stream = new GZipStream(File.OpenRead(Path.Combine(FixtureDir, file)), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<T>(stream)!;
    }
}
