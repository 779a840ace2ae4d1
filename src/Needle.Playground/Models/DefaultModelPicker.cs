using Needle.Core.Checkpoints;
using Needle.Playground.Services;

namespace Needle.Playground.Models;

/// <summary>
/// Which checkpoint the app loads at startup: the remembered choice, then the shared default order of
/// <see cref="DefaultModels"/> (needle.pkl, then needle-mini/needle-mini.pkl, then other needle-mini/*.pkl), then the
/// newest .pkl that has a tokenizer beside it. Null when checkpoints/ holds none (the Playground page then offers
/// download / upload / bundle).
/// </summary>
public static class DefaultModelPicker
{
    public static string? Choose(IModelCatalog catalog, string? remembered)
    {
        var pkls = catalog.List().Where(f => f.Kind == ModelFileKind.Checkpoint).ToList();
        bool listed(string name) => pkls.Any(p => p.Name == name);
        if (remembered is not null && listed(remembered) && HasTokenizer(catalog.PathOf(remembered))) return remembered;
        if (DefaultModels.InFolder(catalog.Root) is { } builtIn && NameIn(catalog.Root, builtIn.CheckpointPath) is { } name && listed(name)) return name;
        return pkls.OrderByDescending(p => p.ModifiedAt).FirstOrDefault(p => HasTokenizer(catalog.PathOf(p.Name)))?.Name;
    }

    /// <summary>The catalog name ('/'-separated, relative to the root) of a file under it.</summary>
    private static string? NameIn(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? null : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private static bool HasTokenizer(string pklPath)
    {
        try { return File.Exists(Core.Inference.NeedleRuntime.FindTokenizer(pklPath)); }
        catch (FileNotFoundException) { return false; }
    }
}

/// <summary>Loads the default checkpoint in the background after startup, so the app always starts (and fast).</summary>
public sealed class DefaultModelLoader(NeedleActiveModel active, IModelCatalog catalog, ILogger<DefaultModelLoader> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        string? name;
        try { name = DefaultModelPicker.Choose(catalog, active.Remembered); }
        catch (Exception ex) { log.LogWarning(ex, "Could not list checkpoints/"); return; }
        if (name is null)
        {
            log.LogInformation("No checkpoint with a tokenizer in {Root}; the Playground page offers download/upload.", catalog.Root);
            return;
        }
        try
        {
            var info = await active.LoadAsync(name, stoppingToken);
            log.LogInformation("Loaded {Name}", info.Name);
        }
        catch (OperationCanceledException) { }
        catch (Exception ex) { log.LogWarning("Default model {Name} did not load: {Message}", name, ex.Message); }
    }
}
