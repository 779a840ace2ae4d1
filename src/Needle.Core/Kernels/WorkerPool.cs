using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Needle.Core.Kernels;

/// <summary>
/// A fixed pool for data-parallel kernel work. Workers spin briefly after each job (kernels come in quick bursts)
/// and then block, so an idle pool costs nothing; busy-spinning forever halves the speed of whatever runs next.
/// The calling thread takes part in the work. Calls are serialized: a nested or concurrent call runs inline.
/// </summary>
public sealed class WorkerPool
{
    /// <summary>One pool for the process: one thread per core (the caller counts as one), or NEEDLE_THREADS.</summary>
    public static WorkerPool Shared { get; } = new(
        int.TryParse(Environment.GetEnvironmentVariable("NEEDLE_THREADS"), out var n) && n > 0 ? n : Environment.ProcessorCount);

    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // ~200 µs of spinning before blocking

    private readonly object _sleepLock = new();
    private readonly object _runLock = new();
    private int _generation;
    private int _sleepers;
    private Action<int>? _body;
    private int _count;
    private long _work; // (generation << 32) | next index: a stale worker can never take an index of a newer job
    private int _pending;
    private Exception? _error;
    [ThreadStatic] private static bool _inPool;

    /// <summary>Total threads working on a job, the caller included.</summary>
    public int Threads { get; }

    public WorkerPool(int threads)
    {
        Threads = Math.Max(1, threads);
        for (var i = 1; i < Threads; i++)
            new Thread(WorkerLoop) { IsBackground = true, Name = $"needle-kernel-{i}" }.Start();
    }

    /// <summary>Runs body(0) … body(count−1), spread over the pool; returns when all are done.</summary>
    public void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || Threads == 1 || _inPool || !Monitor.TryEnter(_runLock))
        {
            for (var i = 0; i < count; i++) body(i);
            return;
        }
        try
        {
            _error = null;
            _body = body;
            _count = count;
            Volatile.Write(ref _pending, count);
            var gen = _generation + 1;
            Interlocked.Exchange(ref _work, (long)gen << 32);
            Interlocked.Exchange(ref _generation, gen);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_sleepLock) Monitor.PulseAll(_sleepLock);
            _inPool = true;
            try { Drain(gen); } finally { _inPool = false; }
            var spin = new SpinWait();
            while (Volatile.Read(ref _pending) > 0) spin.SpinOnce(sleep1Threshold: -1);
            _body = null;
            if (_error is { } e) ExceptionDispatchInfo.Capture(e).Throw();
        }
        finally
        {
            Monitor.Exit(_runLock);
        }
    }

    private void Drain(int gen)
    {
        while (true)
        {
            var work = Volatile.Read(ref _work);
            if ((int)(work >> 32) != gen) return;
            var i = (int)work;
            if (i >= Volatile.Read(ref _count)) return;
            if (Interlocked.CompareExchange(ref _work, work + 1, work) != work) continue;
            var body = Volatile.Read(ref _body);
            try { body?.Invoke(i); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            finally { Interlocked.Decrement(ref _pending); }
        }
    }

    private void WorkerLoop()
    {
        _inPool = true;
        var seen = Volatile.Read(ref _generation);
        while (true)
        {
            var start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen && Stopwatch.GetTimestamp() - start < SpinTicks)
                Thread.SpinWait(20);
            if (Volatile.Read(ref _generation) == seen)
            {
                lock (_sleepLock)
                {
                    Interlocked.Increment(ref _sleepers);
                    while (Volatile.Read(ref _generation) == seen) Monitor.Wait(_sleepLock);
                    Interlocked.Decrement(ref _sleepers);
                }
            }
            seen = Volatile.Read(ref _generation);
            Drain(seen);
        }
    }
}
