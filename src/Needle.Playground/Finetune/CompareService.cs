using Needle.Core.Inference;
using Needle.Core.Tools;
using Needle.Playground.Models;

namespace Needle.Playground.Finetune;

/// <summary>
/// Base vs finetuned answers to one query. Keeps the two most recently compared checkpoints loaded (a compare usually
/// asks several queries of the same pair); each runtime answers one query at a time.
/// </summary>
public sealed class CompareService : IDisposable
{
    private const int Keep = 2;
    private readonly Lock _gate = new();
    private readonly List<(string Path, NeedleRuntime Runtime)> _cache = [];

    public sealed record Answer(string Model, string Result, TimeSpan Latency, string? Error);

    public Task<(Answer Base, Answer Finetuned)> CompareAsync(string query, string tools, (string Name, string Path) baseModel,
        (string Name, string Path) finetuned, CancellationToken ct) => Task.Run(() =>
    {
        var needleTools = ToolSchemaParser.ToNeedleJson(tools);
        return (Ask(baseModel, query, needleTools), Ask(finetuned, query, needleTools));
    }, ct);

    private Answer Ask((string Name, string Path) model, string query, string tools)
    {
        try
        {
            var runtime = Get(model.Path);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string text;
            lock (runtime) text = runtime.Generator.Generate(query, tools);
            return new Answer(model.Name, text, clock.Elapsed, null);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException)
        {
            return new Answer(model.Name, "", TimeSpan.Zero, ex.Message);
        }
    }

    private NeedleRuntime Get(string path)
    {
        lock (_gate)
        {
            var hit = _cache.FindIndex(c => c.Path == path);
            if (hit >= 0) return _cache[hit].Runtime;
        }
        var runtime = NeedleRuntime.Load(path);
        lock (_gate)
        {
            _cache.Add((path, runtime));
            // Old runtimes are left to the GC rather than disposed: a concurrent compare may still hold one.
            while (_cache.Count > Keep) _cache.RemoveAt(0);
        }
        return runtime;
    }

    public void Dispose()
    {
        lock (_gate) { foreach (var (_, r) in _cache) r.Dispose(); _cache.Clear(); }
    }
}
