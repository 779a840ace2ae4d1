using Microsoft.Extensions.Options;
using Needle.Playground.Options;
using Needle.Playground.Security;

namespace Needle.Playground.Services;

public sealed class ModelCatalog(IOptions<NeedleOptions> options) : IModelCatalog
{
    public const string UploadExtensionsMessage = "expected a .pkl checkpoint or a tokenizer .model file";

    public string Root { get; } = options.Value.CheckpointsDir;

    public IReadOnlyList<ModelFile> List()
    {
        if (!Directory.Exists(Root)) return [];
        // The folder itself and its direct sub-folders (needle-mini/, bundles/, ...); hidden names are skipped.
        var folders = new[] { Root }.Concat(Directory.EnumerateDirectories(Root).Where(d => !Path.GetFileName(d).StartsWith('.')));
        return folders
            .SelectMany(d => Directory.EnumerateFiles(d))
            .Select(path => Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(name => ModelFile.KindOf(name) is not null && CheckpointPaths.Resolve(Root, name, out _) is not null)
            .Select(Describe)
            .OfType<ModelFile>()
            .OrderBy(f => f.Kind).ThenBy(f => f.Name, StringComparer.OrdinalIgnoreCase)
            .ToArray();
    }

    public ModelFile? Find(string name) =>
        CheckpointPaths.Resolve(Root, name, out _) is { } path && File.Exists(path) && ModelFile.KindOf(name) is not null ? Describe(name) : null;

    public string PathOf(string name)
    {
        var path = CheckpointPaths.Resolve(Root, name, out var error) ?? throw new ModelCatalogException(400, error!);
        if (ModelFile.KindOf(name) is null) throw new ModelCatalogException(400, "only .pkl, .model and .zip files are served");
        if (!File.Exists(path)) throw new ModelCatalogException(404, $"no file named '{name}' in checkpoints/");
        return path;
    }

    public async Task<ModelFile> SaveAsync(string fileName, Stream content, long maxBytes, CancellationToken ct)
    {
        var safe = CheckpointPaths.SanitizeUploadName(fileName) ?? throw new ModelCatalogException(400, "the uploaded file has no usable name");
        if (ModelFile.KindOf(safe) is not (ModelFileKind.Checkpoint or ModelFileKind.Tokenizer))
            throw new ModelCatalogException(400, UploadExtensionsMessage);
        var target = CheckpointPaths.Resolve(Root, safe, out var error) ?? throw new ModelCatalogException(400, error!);
        await AtomicUpload.SaveAsync(content, target, maxBytes, ct);
        return Describe(safe)!;
    }

    public bool Delete(string name)
    {
        var path = PathOf(name);
        File.Delete(path);
        return true;
    }

    private ModelFile? Describe(string name)
    {
        var info = new FileInfo(Path.Combine(Root, name));
        return info.Exists && ModelFile.KindOf(name) is { } kind
            ? new ModelFile(name, kind, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero))
            : null;
    }
}
