using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Needle.Core.Training.Engine;

/// <summary>
/// Where a training step's wall time goes (for the benchmark); off unless <see cref="Enabled"/>. Each scope counts
/// toward its <see cref="Part"/> and toward a detail label (the timed method's name unless given), so the benchmark
/// can show which pass inside a part costs what. Scopes are opened on the step's calling thread only.
/// </summary>
public static class StepProfile
{
    public enum Part { Projections, Attention, Elementwise, Loss, Embedding, Optimizer }

    public static bool Enabled { get; set; }
    private static readonly long[] Ticks = new long[Enum.GetValues<Part>().Length];
    private static readonly Dictionary<string, long> DetailTicks = new(StringComparer.Ordinal);

    public static void Reset()
    {
        Array.Clear(Ticks);
        DetailTicks.Clear();
    }

    /// <summary>Seconds spent per part since the last reset.</summary>
    public static IReadOnlyDictionary<Part, double> Seconds() =>
        Enum.GetValues<Part>().ToDictionary(p => p, p => Ticks[(int)p] / (double)Stopwatch.Frequency);

    /// <summary>Seconds per "part/detail" label since the last reset, largest first.</summary>
    public static IReadOnlyList<KeyValuePair<string, double>> DetailSeconds() =>
        DetailTicks.OrderByDescending(kv => kv.Value)
            .Select(kv => new KeyValuePair<string, double>(kv.Key, kv.Value / (double)Stopwatch.Frequency)).ToList();

    public static Scope Time(Part part, [CallerMemberName] string detail = "") => new(part, detail);

    public readonly struct Scope : IDisposable
    {
        private readonly Part _part;
        private readonly string _detail;
        private readonly long _start;

        public Scope(Part part, string detail)
        {
            _part = part;
            _detail = detail;
            _start = Enabled ? Stopwatch.GetTimestamp() : 0;
        }

        public void Dispose()
        {
            if (!Enabled) return;
            var ticks = Stopwatch.GetTimestamp() - _start;
            Ticks[(int)_part] += ticks;
            var key = $"{_part}/{_detail}";
            DetailTicks[key] = DetailTicks.GetValueOrDefault(key) + ticks;
        }
    }
}
