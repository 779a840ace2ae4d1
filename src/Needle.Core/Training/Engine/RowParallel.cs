using Needle.Core.Kernels;

namespace Needle.Core.Training.Engine;

/// <summary>Splits row-wise elementwise work into fixed chunks on the kernel pool (fixed partition: deterministic).</summary>
internal static class RowParallel
{
    /// <summary>Below this many values per call the work stays on the calling thread.</summary>
    private const long MinValues = 1 << 15;

    public static int Parts(int rows, int width) =>
        (long)rows * width < MinValues ? 1 : Math.Min(rows, WorkerPool.Shared.Threads * 4);

    /// <summary>body(part, start row, end row) for each part.</summary>
    public static void For(int rows, int width, Action<int, int, int> body)
    {
        var parts = Parts(rows, width);
        if (parts <= 1) { body(0, 0, rows); return; }
        WorkerPool.Shared.For(parts, p => body(p, (int)((long)rows * p / parts), (int)((long)rows * (p + 1) / parts)));
    }
}
