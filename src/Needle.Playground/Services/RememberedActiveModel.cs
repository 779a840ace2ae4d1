using Microsoft.Extensions.Options;
using Needle.Playground.Options;

namespace Needle.Playground.Services;

/// <summary>
/// The stand-in until the model core plugs in: remembers the selected checkpoint (also across restarts, in
/// DataDir/active-model.txt) without loading it.
/// </summary>
public sealed class RememberedActiveModel : IActiveModel
{
    private readonly IModelCatalog _catalog;
    private readonly string _stateFile;
    private readonly Lock _gate = new();
    private ActiveModelInfo? _current;

    public RememberedActiveModel(IModelCatalog catalog, IOptions<NeedleOptions> options)
    {
        _catalog = catalog;
        _stateFile = Path.Combine(options.Value.DataDir, "active-model.txt");
        if (File.Exists(_stateFile) && File.ReadAllText(_stateFile).Trim() is { Length: > 0 } name && catalog.Find(name) is { } file)
            _current = new ActiveModelInfo(file.Name, catalog.PathOf(file.Name), DateTimeOffset.UtcNow);
    }

    public ActiveModelInfo? Current
    {
        get
        {
            lock (_gate)
            {
                // A file deleted behind our back is no longer the active model.
                if (_current is not null && !File.Exists(_current.Path)) _current = null;
                return _current;
            }
        }
    }

    public Task<ActiveModelInfo> LoadAsync(string name, CancellationToken ct)
    {
        var path = _catalog.PathOf(name);
        if (_catalog.Find(name)?.Kind != ModelFileKind.Checkpoint)
            throw new ModelCatalogException(400, $"'{name}' is not a checkpoint; load a .pkl file");
        var info = new ActiveModelInfo(name, path, DateTimeOffset.UtcNow);
        lock (_gate)
        {
            _current = info;
            WriteState(name);
        }
        return Task.FromResult(info);
    }

    public void Unload()
    {
        lock (_gate)
        {
            _current = null;
            WriteState("");
        }
    }

    private void WriteState(string name)
    {
        var temp = _stateFile + ".tmp";
        File.WriteAllText(temp, name);
        File.Move(temp, _stateFile, overwrite: true);
    }
}
