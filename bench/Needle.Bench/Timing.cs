using System.Diagnostics;

namespace Needle.Bench;

internal static class Timing
{
    /// <summary>Process CPU seconds per repetition of the last <see cref="Measure"/> (all threads): under a loaded
    /// machine, wall time mostly measures the neighbours, CPU time what we did.</summary>
    public static double LastCpuSeconds { get; private set; }

    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times, then <paramref name="reps"/> timed times; returns (best, median) seconds.</summary>
    public static (double Best, double Median) Measure(Action action, int warmup, int reps)
    {
        for (var i = 0; i < warmup; i++) action();
        var times = new double[reps];
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < reps; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / reps;
        LastCpuSeconds = cpu;
        Array.Sort(times);
        return (times[0], times[reps / 2]);
    }
}
