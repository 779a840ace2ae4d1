using Microsoft.Extensions.Options;
using Needle.Core.Inference;
using Needle.Core.Kernels;
using Needle.Playground.Options;
using Needle.Playground.Services;

namespace Needle.Playground.Models;

/// <summary>
/// The real <see cref="IActiveModel"/>: loads a .pkl and its tokenizer through <see cref="NeedleRuntime"/> off the
/// request thread, keeps one runtime, and remembers the choice across restarts (DataDir/active-model.txt).
/// Generation takes <see cref="Lease"/> so a model swap never disposes a runtime that is answering a query.
/// </summary>
public sealed class NeedleActiveModel : IActiveModel, IDisposable
{
    private readonly IModelCatalog _catalog;
    private readonly string _stateFile;
    private readonly WeightPrecision? _decodeWeights;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Loaded? _loaded;
    private volatile string? _loading;

    public NeedleActiveModel(IModelCatalog catalog, IOptions<NeedleOptions> options)
    {
        _catalog = catalog;
        _stateFile = Path.Combine(options.Value.DataDir, "active-model.txt");
        DecodeWeightsChoice.TryParse(options.Value.DecodeWeights, out _decodeWeights); // validated at startup
    }

    private sealed class Loaded(ActiveModelInfo info, NeedleRuntime runtime)
    {
        public ActiveModelInfo Info { get; } = info;
        public NeedleRuntime Runtime { get; } = runtime;
        /// <summary>Set under lock(Runtime) when released; a query that raced a swap then retries on the new one.</summary>
        public bool Disposed { get; set; }

        public void Release() { lock (Runtime) { Disposed = true; Runtime.Dispose(); } }
    }

    public ActiveModelInfo? Current => _loaded?.Info;

    /// <summary>The checkpoint being loaded right now (startup or a click), for the pages.</summary>
    public string? Loading => _loading;

    /// <summary>Why the last load failed (shown on the Playground page), null after a success.</summary>
    public string? LastError { get; private set; }

    /// <summary>The name remembered from an earlier run, if any.</summary>
    public string? Remembered => File.Exists(_stateFile) && File.ReadAllText(_stateFile).Trim() is { Length: > 0 } n ? n : null;

    public async Task<ActiveModelInfo> LoadAsync(string name, CancellationToken ct)
    {
        if (_catalog.Find(name)?.Kind != ModelFileKind.Checkpoint)
            throw new ModelCatalogException(_catalog.Find(name) is null ? 404 : 400, $"'{name}' is not a checkpoint in checkpoints/; load a .pkl file");
        var path = _catalog.PathOf(name);
        await _gate.WaitAsync(ct);
        try
        {
            _loading = name;
            NeedleRuntime runtime;
            try
            {
                runtime = await Task.Run(() => NeedleRuntime.Load(path, null, _decodeWeights), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LastError = $"Could not load '{name}': {ex.Message}";
                throw new InvalidDataException(LastError, ex);
            }
            var info = new ActiveModelInfo(name, path, DateTimeOffset.UtcNow, _decodeWeights == WeightPrecision.Int8);
            var old = _loaded;
            _loaded = new Loaded(info, runtime);
            LastError = null;
            WriteState(name);
            // Queries already running hold the old runtime through their lease; only then is it released.
            if (old is not null) await Task.Run(old.Release, CancellationToken.None);
            return info;
        }
        finally
        {
            _loading = null;
            _gate.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> on the loaded runtime, one query at a time per runtime (the engine is not re-entrant).</summary>
    public T Use<T>(Func<NeedleRuntime, ActiveModelInfo, T> work)
    {
        while (true)
        {
            var loaded = _loaded ?? throw new ModelNotLoadedException(NotReadyReason());
            lock (loaded.Runtime)
            {
                if (!loaded.Disposed) return work(loaded.Runtime, loaded.Info);
            }
        }
    }

    public string NotReadyReason() =>
        _loading is { } l ? $"the model '{l}' is still loading; try again in a moment"
        : LastError is { } e ? e
        : "no model loaded: put a Needle .pkl and its tokenizer in checkpoints/ (Models page: upload, or download the Needle weights), then load it";

    public void Unload()
    {
        var old = _loaded;
        _loaded = null;
        WriteState("");
        old?.Release();
    }

    private void WriteState(string name)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_stateFile)!);
        var temp = _stateFile + ".tmp";
        File.WriteAllText(temp, name);
        File.Move(temp, _stateFile, overwrite: true);
    }

    public void Dispose() => _loaded?.Release();
}
