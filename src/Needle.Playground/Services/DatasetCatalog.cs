using Microsoft.Extensions.Options;
using Needle.Playground.Options;
using Needle.Playground.Security;

namespace Needle.Playground.Services;

/// <summary>A training set in DataDir/datasets/ (JSONL, one example per line).</summary>
public sealed record DatasetFile(string Name, long SizeBytes, DateTimeOffset ModifiedAt, string Path);

/// <summary>
/// Uploaded training data (.jsonl) for finetune jobs: a job's settings name a dataset, the runner reads
/// <see cref="DatasetFile.Path"/>. Names follow the same rules as checkpoints (sanitised, confined to the folder).
/// </summary>
public interface IDatasetCatalog
{
    string Root { get; }
    IReadOnlyList<DatasetFile> List();
    DatasetFile? Find(string name);
    Task<DatasetFile> SaveAsync(string fileName, Stream content, long maxBytes, CancellationToken ct);
}

public sealed class DatasetCatalog(IOptions<NeedleOptions> options) : IDatasetCatalog
{
    public string Root { get; } = Path.Combine(options.Value.DataDir, "datasets");

    public IReadOnlyList<DatasetFile> List() => !Directory.Exists(Root) ? [] :
        Directory.EnumerateFiles(Root, "*.jsonl").Select(p => Find(Path.GetFileName(p))).OfType<DatasetFile>()
            .OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).ToArray();

    public DatasetFile? Find(string name)
    {
        if (CheckpointPaths.Resolve(Root, name, out _) is not { } path || name.Contains('/') || !name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            return null;
        var info = new FileInfo(path);
        return info.Exists ? new DatasetFile(name, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero), path) : null;
    }

    public async Task<DatasetFile> SaveAsync(string fileName, Stream content, long maxBytes, CancellationToken ct)
    {
        var safe = CheckpointPaths.SanitizeUploadName(fileName) ?? throw new ModelCatalogException(400, "the uploaded file has no usable name");
        if (!safe.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) throw new ModelCatalogException(400, "expected a .jsonl dataset");
        var target = CheckpointPaths.Resolve(Root, safe, out var error) ?? throw new ModelCatalogException(400, error!);
        await AtomicUpload.SaveAsync(content, target, maxBytes, ct);
        return Find(safe)!;
    }
}
