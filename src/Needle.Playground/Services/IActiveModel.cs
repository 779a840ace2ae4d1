namespace Needle.Playground.Services;

/// <summary>The checkpoint the playground answers with. <see cref="Path"/> is the full path of the .pkl.</summary>
/// <param name="Int8">Whether decoding reads int8 weights (Needle:DecodeWeights=int8: faster, approximate).</param>
public sealed record ActiveModelInfo(string Name, string Path, DateTimeOffset SelectedAt, bool Int8 = false);

/// <summary>
/// Which checkpoint is loaded. The model code replaces the default implementation (which only remembers the choice)
/// with one that really loads the .pkl and its tokenizer; pages and the API do not change.
/// </summary>
public interface IActiveModel
{
    ActiveModelInfo? Current { get; }

    /// <summary>Selects a checkpoint from the catalog by name. <see cref="ModelCatalogException"/> for a bad or missing
    /// name (400/404); an <see cref="InvalidDataException"/> naming the file when it cannot be loaded.</summary>
    Task<ActiveModelInfo> LoadAsync(string name, CancellationToken ct);

    /// <summary>Forgets the current model (e.g. its file was deleted).</summary>
    void Unload();
}
