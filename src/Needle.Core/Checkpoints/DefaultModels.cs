using Needle.Core.Inference;

namespace Needle.Core.Checkpoints;

/// <summary>Which of the well-known models in <c>checkpoints/</c> a <see cref="DefaultModel"/> is.</summary>
public enum DefaultModelKind
{
    /// <summary>The published Needle weights (<c>needle download</c>).</summary>
    Needle,
    /// <summary>The small model shipped with the repository, for offline use.</summary>
    NeedleMini,
}

/// <summary>A checkpoint and its tokenizer found without being asked for (full paths).</summary>
public sealed record DefaultModel(DefaultModelKind Kind, string CheckpointPath, string TokenizerPath)
{
    /// <summary>The one line the CLI prints (on stderr) so the user knows which model answered.</summary>
    public string Notice => Kind == DefaultModelKind.NeedleMini
        ? "using needle-mini (the built-in offline model); `needle download` fetches the real Needle weights"
        : $"using the Needle weights ({CheckpointPath})";
}

/// <summary>
/// The model to use when none is named, shared by the CLI (<c>needle run / eval / finetune</c> without
/// <c>--checkpoint</c>) and the playground's startup choice. In a <c>checkpoints/</c> folder the order is: the real
/// weights <c>needle.pkl</c> (tokenizer <c>tokenizer/needle.model</c> as <c>needle download</c> writes it, or
/// <c>needle.model</c>), then the shipped <c>needle-mini/needle-mini.pkl</c> + <c>needle-mini.model</c>, then any other
/// <c>needle-mini/*.pkl</c> with a tokenizer. A checkpoint without a tokenizer is skipped.
/// </summary>
public static class DefaultModels
{
    public const string FolderName = "checkpoints";
    public const string NeedleCheckpoint = "needle.pkl";
    public const string MiniFolder = "needle-mini";
    public const string MiniCheckpoint = MiniFolder + "/needle-mini.pkl";
    public const string MiniTokenizer = MiniFolder + "/needle-mini.model";

    /// <summary>True for a checkpoint name (relative to <c>checkpoints/</c>, '/'-separated) inside needle-mini/.</summary>
    public static bool IsMini(string relativeName) => relativeName.StartsWith(MiniFolder + "/", StringComparison.Ordinal);

    /// <summary>
    /// The default model: the real weights in any candidate folder first (nearest first), else needle-mini (nearest
    /// first). Candidates are <c>checkpoints/</c> in <paramref name="workingDirectory"/> and each folder above it, then
    /// beside the program (<paramref name="programDirectory"/>). Null when none holds a usable model.
    /// </summary>
    public static DefaultModel? Find(string workingDirectory, string? programDirectory)
    {
        var folders = CheckpointFolders(workingDirectory, programDirectory).ToList();
        return folders.Select(FindNeedle).FirstOrDefault(m => m is not null)
            ?? folders.Select(FindMini).FirstOrDefault(m => m is not null);
    }

    /// <summary>The best model in one <c>checkpoints/</c> folder (see the class summary), or null.</summary>
    public static DefaultModel? InFolder(string checkpointsDir) => FindNeedle(checkpointsDir) ?? FindMini(checkpointsDir);

    /// <summary>Existing <c>checkpoints/</c> folders, nearest first, each once.</summary>
    public static IEnumerable<string> CheckpointFolders(string workingDirectory, string? programDirectory)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var dir = new DirectoryInfo(Path.GetFullPath(workingDirectory)); dir is not null; dir = dir.Parent)
            if (Existing(Path.Combine(dir.FullName, FolderName)) is { } f && seen.Add(f)) yield return f;
        if (programDirectory is not null && Existing(Path.Combine(Path.GetFullPath(programDirectory), FolderName)) is { } p && seen.Add(p))
            yield return p;
    }

    private static string? Existing(string dir) => Directory.Exists(dir) ? Path.TrimEndingDirectorySeparator(dir) : null;

    private static DefaultModel? FindNeedle(string checkpointsDir)
    {
        var pkl = Path.Combine(checkpointsDir, NeedleCheckpoint);
        return File.Exists(pkl) && TokenizerBeside(pkl) is { } tok ? new DefaultModel(DefaultModelKind.Needle, Path.GetFullPath(pkl), tok) : null;
    }

    private static DefaultModel? FindMini(string checkpointsDir)
    {
        var dir = Path.Combine(checkpointsDir, MiniFolder);
        if (!Directory.Exists(dir)) return null;
        var shipped = Path.Combine(dir, Path.GetFileName(MiniCheckpoint));
        // The shipped file first, then any other checkpoint there (e.g. a `needle pretrain` run), in name order.
        var candidates = Directory.GetFiles(dir, "*.pkl").Order(StringComparer.Ordinal).OrderBy(p => p != shipped);
        foreach (var pkl in candidates)
            if (TokenizerBeside(pkl) is { } tok) return new DefaultModel(DefaultModelKind.NeedleMini, Path.GetFullPath(pkl), tok);
        return null;
    }

    /// <summary>The tokenizer <see cref="NeedleRuntime.FindTokenizer"/> pairs with the checkpoint (what loading it uses); null if none.</summary>
    private static string? TokenizerBeside(string pkl)
    {
        try { return NeedleRuntime.FindTokenizer(pkl) is { } t && File.Exists(t) ? Path.GetFullPath(t) : null; }
        catch (FileNotFoundException) { return null; }
    }
}
