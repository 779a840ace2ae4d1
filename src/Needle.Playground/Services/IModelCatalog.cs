namespace Needle.Playground.Services;

/// <summary>Why a catalog operation was refused, as the HTTP status and message the user sees.</summary>
public sealed class ModelCatalogException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>The checkpoints/ folder: list, stream in, stream out, delete. Names are validated and confined.</summary>
public interface IModelCatalog
{
    string Root { get; }

    IReadOnlyList<ModelFile> List();

    ModelFile? Find(string name);

    /// <summary>The full path of an existing file; <see cref="ModelCatalogException"/> (400/404) otherwise.</summary>
    string PathOf(string name);

    /// <summary>
    /// Streams <paramref name="content"/> into a temp file in checkpoints/ and renames it to the sanitised
    /// <paramref name="fileName"/> (replacing a file of that name). 400 for a bad name or an empty file,
    /// 413 when more than <paramref name="maxBytes"/> arrive.
    /// </summary>
    Task<ModelFile> SaveAsync(string fileName, Stream content, long maxBytes, CancellationToken ct);

    /// <summary>False when there was no such file.</summary>
    bool Delete(string name);
}
