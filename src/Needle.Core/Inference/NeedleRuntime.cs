using Needle.Core.Checkpoints;
using Needle.Core.Kernels;
using Needle.Core.Model;
using Needle.Core.Tokenization;

namespace Needle.Core.Inference;

/// <summary>
/// A loaded model ready to generate: the one place that composes checkpoint loading, the engine's model and the
/// tokenizer. The CLI, the web app and evaluation all go through <see cref="Load"/>.
/// </summary>
public sealed class NeedleRuntime : IDisposable
{
    public NeedleRuntime(INeedleModel model, ITokenizer tokenizer, string? checkpointPath = null, string? tokenizerPath = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw new InvalidDataException(
                $"tokenizer '{tokenizerPath ?? "?"}' has {tokenizer.VocabSize} pieces but checkpoint '{checkpointPath ?? "?"}' " +
                $"has a vocabulary of {model.Config.VocabSize}: they do not belong together.");
        CheckpointPath = checkpointPath;
        TokenizerPath = tokenizerPath;
        Generator = new Generator(model, tokenizer);
        Retriever = new ToolRetriever(model, tokenizer);
    }

    public INeedleModel Model { get; }
    public ITokenizer Tokenizer { get; }
    public NeedleConfig Config => Model.Config;
    public Generator Generator { get; }
    public ToolRetriever Retriever { get; }
    public string? CheckpointPath { get; }
    public string? TokenizerPath { get; }

    /// <summary>
    /// Loads a Needle .pkl checkpoint and its SentencePiece tokenizer (found beside it when not given). The model is
    /// inference-only (<see cref="SimpleAttentionNetwork.ForInference"/>): read from the file a layer at a time, with
    /// no float32 copy of the checkpoint and only the weight forms generation reads.
    /// </summary>
    public static NeedleRuntime Load(string checkpointPath, string? tokenizerPath = null) => Load(checkpointPath, tokenizerPath, null);

    /// <summary>
    /// <see cref="Load(string, string?)"/> with the decode weights' precision chosen: null picks float16 for a 16-bit
    /// checkpoint and float32 otherwise; <see cref="WeightPrecision.Int8"/> is faster but approximate (opt-in).
    /// </summary>
    public static NeedleRuntime Load(string checkpointPath, string? tokenizerPath, WeightPrecision? decodePrecision)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        if (!File.Exists(checkpointPath))
            throw new FileNotFoundException($"checkpoint '{checkpointPath}' does not exist.", checkpointPath);
        var tokPath = tokenizerPath ?? FindTokenizer(checkpointPath);
        if (!File.Exists(tokPath)) throw new FileNotFoundException($"tokenizer '{tokPath}' does not exist.", tokPath);

        // The tokenizer parses while the checkpoint is read and unpickled.
        var tokenizerTask = Task.Run(() => LoadTokenizer(tokPath));
        var model = CreateModel(checkpointPath, decodePrecision);
        ITokenizer tokenizer;
        try { tokenizer = tokenizerTask.GetAwaiter().GetResult(); }
        catch { (model as IDisposable)?.Dispose(); throw; }
        return new NeedleRuntime(model, tokenizer, checkpointPath, tokPath);
    }

    /// <summary>
    /// The tokenizer that goes with a checkpoint: <c>needle.model</c> or <c>tokenizer/needle.model</c> beside it, else
    /// the checkpoint's own name with <c>.model</c> (needle-mini.pkl → needle-mini.model), else the only <c>*.model</c>
    /// file in its folder.
    /// </summary>
    public static string FindTokenizer(string checkpointPath)
    {
        var full = Path.GetFullPath(checkpointPath);
        var dir = Path.GetDirectoryName(full)!;
        foreach (var candidate in new[] { Path.Combine(dir, "needle.model"), Path.Combine(dir, "tokenizer", "needle.model"), Path.ChangeExtension(full, ".model") })
            if (File.Exists(candidate)) return candidate;
        var models = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.model").Order(StringComparer.Ordinal).ToArray() : [];
        return models.Length switch
        {
            1 => models[0],
            0 => throw new FileNotFoundException(
                $"no tokenizer found beside checkpoint '{checkpointPath}' (looked for needle.model, tokenizer/needle.model, {Path.GetFileNameWithoutExtension(full)}.model, *.model in {dir}); pass its path explicitly (--tokenizer)."),
            _ => throw new FileNotFoundException(
                $"several *.model files beside checkpoint '{checkpointPath}' ({string.Join(", ", models.Select(Path.GetFileName))}); pass the tokenizer explicitly (--tokenizer)."),
        };
    }

    private static ITokenizer LoadTokenizer(string path) => SentencePieceTokenizer.Load(path);

    /// <summary>
    /// Decoding reads 16-bit weights when the file holds 16-bit weights (exact, half the memory traffic) and float32
    /// ones otherwise, so the logits are those of the stored weights either way.
    /// </summary>
    private static INeedleModel CreateModel(string checkpointPath, WeightPrecision? decodePrecision)
    {
        using var checkpoint = StreamedCheckpoint.Open(checkpointPath);
        return SimpleAttentionNetwork.ForInference(checkpoint,
            decodePrecision ?? (checkpoint.AllSixteenBit ? WeightPrecision.Float16 : WeightPrecision.Float32));
    }

    public void Dispose() => (Model as IDisposable)?.Dispose();
}
