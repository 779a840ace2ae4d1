namespace Needle.Core.Kernels;

/// <summary>Splits a row-wise kernel into one contiguous chunk per pool thread (small inputs stay on the caller).</summary>
internal static class RowParallel
{
    /// <summary>Below this many values a pass stays on one thread: the hand-off (~µs) would cost more than it saves.</summary>
    private const long MinValues = 1 << 14;

    /// <summary>body(r0, r1) over [0, rows) in disjoint chunks; values = rows × the values each row touches.</summary>
    public static void For(int rows, long values, bool parallel, Action<int, int> body)
    {
        var threads = WorkerPool.Shared.Threads;
        if (!parallel || threads <= 1 || rows < 2 || values < MinValues)
        {
            body(0, rows);
            return;
        }
        var parts = Math.Min(threads, rows);
        WorkerPool.Shared.For(parts, p => body((int)((long)rows * p / parts), (int)((long)rows * (p + 1) / parts)));
    }
}
