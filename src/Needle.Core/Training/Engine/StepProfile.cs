using System.Diagnostics;

namespace Needle.Core.Training.Engine;

/// <summary>Where a training step's wall time goes (for the benchmark); off unless <see cref="Enabled"/>.</summary>
public static class StepProfile
{
    public enum Part { Projections, Attention, Elementwise, Loss, Embedding, Optimizer }

    public static bool Enabled { get; set; }
    private static readonly long[] Ticks = new long[Enum.GetValues<Part>().Length];

    public static void Reset() => Array.Clear(Ticks);

    /// <summary>Seconds spent per part since the last reset.</summary>
    public static IReadOnlyDictionary<Part, double> Seconds() =>
        Enum.GetValues<Part>().ToDictionary(p => p, p => Ticks[(int)p] / (double)Stopwatch.Frequency);

    public static Scope Time(Part part) => new(part);

    public readonly struct Scope : IDisposable
    {
        private readonly Part _part;
        private readonly long _start;

        public Scope(Part part)
        {
            _part = part;
            _start = Enabled ? Stopwatch.GetTimestamp() : 0;
        }

        public void Dispose()
        {
            if (Enabled) Ticks[(int)_part] += Stopwatch.GetTimestamp() - _start;
        }
    }
}
