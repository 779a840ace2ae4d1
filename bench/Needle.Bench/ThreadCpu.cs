using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Needle.Bench;

/// <summary>The calling thread's CPU time (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)) in Stopwatch ticks; wall
/// time elsewhere. Preemption by other processes does not inflate it, so a single-thread profile stays honest on a
/// shared machine.</summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec ts);

    public static long Ticks()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTimeId, out var ts) != 0) return Stopwatch.GetTimestamp();
        return (long)((ts.Seconds * 1_000_000_000.0 + ts.Nanoseconds) * Stopwatch.Frequency / 1e9);
    }
}
