using Needle.Core.Checkpoints;

namespace Needle.Cli.Commands;

/// <summary>
/// The model `needle run / eval / finetune` use without <c>--checkpoint</c>: <see cref="DefaultModels"/>' order
/// (checkpoints/needle.pkl, then the shipped checkpoints/needle-mini/needle-mini.pkl), checkpoints/ being looked for
/// from the working directory upward, then beside the program. The choice is announced on stderr.
/// </summary>
internal static class DefaultCheckpoint
{
    /// <summary>Where the default is looked for; tests point it at a temporary folder.</summary>
    internal static Func<DefaultModel?> Find { get; set; } = FindFromHere;

    internal static DefaultModel? FindFromHere() => DefaultModels.Find(Environment.CurrentDirectory, AppContext.BaseDirectory);

    internal const string NoneFound =
        "no --checkpoint given and no model found in checkpoints/ (looked for needle.pkl and needle-mini/needle-mini.pkl " +
        "from the working directory upward and beside the program); pass --checkpoint PATH, or run `needle download` to fetch the Needle weights.";

    /// <summary>
    /// The given checkpoint and tokenizer, or the default model's pair (an explicit <paramref name="tokenizer"/> still
    /// wins). <see cref="FileNotFoundException"/> when none is given and none is found.
    /// </summary>
    public static (string Checkpoint, string? Tokenizer) Resolve(string? checkpoint, string? tokenizer, TextWriter error)
    {
        if (!string.IsNullOrEmpty(checkpoint)) return (checkpoint, tokenizer);
        var model = Find() ?? throw new FileNotFoundException(NoneFound);
        error.WriteLine(model.Notice);
        return (model.CheckpointPath, tokenizer ?? model.TokenizerPath);
    }
}
