using System.CommandLine;
using System.Globalization;
using System.Text;
using Needle.Core.Tokenization;

namespace Needle.Cli.Commands;

/// <summary>
/// `needle tokenize --tokenizer PATH [--decode | --pieces]`: a line filter over stdin.
/// Default: each UTF-8 line becomes its ids, space-separated (an empty encoding is an empty line).
/// --pieces: the pieces instead of ids. --decode: each line of space-separated ids becomes its text.
/// Lines are split by TextReader.ReadLine (\n, \r\n or \r), so a line never contains a line break itself.
/// </summary>
public sealed class TokenizeCommand : ICliCommand
{
    public Command Build()
    {
        var tokenizerOption = new Option<FileInfo>("--tokenizer", "-t")
        {
            Description = "The SentencePiece .model file.",
            Required = true,
        };
        var decodeOption = new Option<bool>("--decode") { Description = "Read lines of space-separated ids and print their text." };
        var piecesOption = new Option<bool>("--pieces") { Description = "Print the pieces of each line instead of ids." };
        var command = new Command("tokenize", "Encode stdin lines to ids (or pieces), or decode id lines to text.");
        command.Options.Add(tokenizerOption);
        command.Options.Add(decodeOption);
        command.Options.Add(piecesOption);
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var decode = parse.GetValue(decodeOption);
            var pieces = parse.GetValue(piecesOption);
            if (decode && pieces)
            {
                await error.WriteLineAsync("tokenize: --decode and --pieces cannot be combined.");
                return 2;
            }
            SentencePieceTokenizer tokenizer;
            try
            {
                tokenizer = SentencePieceTokenizer.Load(parse.GetValue(tokenizerOption)!.FullName);
            }
            catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"tokenize: {e.Message}");
                return 1;
            }
            return await RunAsync(tokenizer, Console.In, output, error, decode, pieces, ct);
        });
        return command;
    }

    internal static async Task<int> RunAsync(SentencePieceTokenizer tokenizer, TextReader input, TextWriter output, TextWriter error,
        bool decode, bool pieces, CancellationToken ct)
    {
        var lineNumber = 0;
        var line = new StringBuilder();
        while (await input.ReadLineAsync(ct) is { } text)
        {
            lineNumber++;
            line.Clear();
            if (decode)
            {
                if (!TryParseIds(text, tokenizer.VocabSize, out var ids, out var problem))
                {
                    await error.WriteLineAsync($"tokenize: line {lineNumber}: {problem}");
                    return 1;
                }
                line.Append(tokenizer.Decode(ids));
            }
            else if (pieces)
            {
                line.AppendJoin(' ', tokenizer.EncodeAsPieces(text));
            }
            else
            {
                line.AppendJoin(' ', tokenizer.Encode(text));
            }
            line.Append('\n');
            await output.WriteAsync(line, ct);
        }
        await output.FlushAsync(ct);
        return 0;
    }

    private static bool TryParseIds(string text, int vocabSize, out int[] ids, out string problem)
    {
        var parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        ids = new int[parts.Length];
        problem = "";
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ids[i]))
            {
                problem = $"\"{parts[i]}\" is not an integer id";
                return false;
            }
            if (ids[i] < 0 || ids[i] >= vocabSize)
            {
                problem = $"id {ids[i]} is outside the vocabulary [0, {vocabSize})";
                return false;
            }
        }
        return true;
    }
}
