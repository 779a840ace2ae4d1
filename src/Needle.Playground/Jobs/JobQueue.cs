using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Needle.Playground.Options;

namespace Needle.Playground.Jobs;

/// <summary>The bounded queue of job ids waiting for the worker, and the cancellation handles of running jobs.</summary>
public sealed class JobQueue
{
    private readonly Channel<string> _pending;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _secrets = new();

    public JobQueue(IOptions<NeedleOptions> options)
    {
        Capacity = options.Value.Jobs.QueueCapacity;
        _pending = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });
    }

    public int Capacity { get; }

    public ChannelReader<string> Reader => _pending.Reader;

    /// <summary>False when <see cref="Capacity"/> jobs are already waiting.</summary>
    /// <param name="secrets">Held in memory until the job starts (API keys): never written to the job store.</param>
    public bool TryEnqueue(string jobId, IReadOnlyDictionary<string, string>? secrets = null)
    {
        if (secrets is { Count: > 0 }) _secrets[jobId] = secrets;
        if (_pending.Writer.TryWrite(jobId)) return true;
        _secrets.TryRemove(jobId, out _);
        return false;
    }

    /// <summary>The job's secrets, handed over once (empty when none or when this process did not queue it).</summary>
    internal IReadOnlyDictionary<string, string> TakeSecrets(string jobId) =>
        _secrets.TryRemove(jobId, out var secrets) ? secrets : EmptySecrets;

    internal void DropSecrets(string jobId) => _secrets.TryRemove(jobId, out _);

    private static readonly IReadOnlyDictionary<string, string> EmptySecrets = new Dictionary<string, string>();

    internal void MarkRunning(string jobId, CancellationTokenSource cts) => _running[jobId] = cts;

    internal void MarkDone(string jobId) => _running.TryRemove(jobId, out _);

    /// <summary>Signals a running job to stop; false if this process is not running it.</summary>
    public bool TryCancelRunning(string jobId)
    {
        if (!_running.TryGetValue(jobId, out var cts)) return false;
        try { cts.Cancel(); }
        catch (ObjectDisposedException) { return false; }
        return true;
    }
}
