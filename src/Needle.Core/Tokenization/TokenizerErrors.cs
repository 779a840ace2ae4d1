namespace Needle.Core.Tokenization;

/// <summary>
/// The one exception shape for a bad tokenizer file: InvalidDataException (sealed, so no subclass) whose message
/// starts with the file name and says what is wrong. Valid models of another type get NotSupportedException instead.
/// </summary>
internal static class TokenizerErrors
{
    public static InvalidDataException BadModel(string fileName, string problem, Exception? inner = null) =>
        new($"{fileName}: not a usable SentencePiece model: {problem}", inner);
}
