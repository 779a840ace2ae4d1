using System.Diagnostics;

namespace Needle.Core.Model;

/// <summary>
/// Opt-in per-stage stopwatch for <see cref="SimpleAttentionNetwork.Encode"/> (bench diagnostics only): attach one
/// with <see cref="SimpleAttentionNetwork.Profile"/>, run prefills, read <see cref="Report"/>. With no profile
/// attached the encoder pays one null check per stage. Not thread-safe: profile one Encode at a time.
/// </summary>
public sealed class PrefillProfile
{
    private readonly Dictionary<string, (long Ticks, long Calls)> _stages = new();
    private readonly List<string> _order = [];

    /// <summary>Encode calls profiled.</summary>
    public int Runs { get; internal set; }

    /// <summary>The clock in <see cref="Stopwatch"/> ticks: wall time by default; a benchmark may plug in the calling
    /// thread's CPU time (single-thread runs on a shared machine), which preemption does not inflate.</summary>
    public Func<long> Clock { get; init; } = Stopwatch.GetTimestamp;

    /// <summary>Timestamp to pass to the first <see cref="Lap"/>.</summary>
    public long Now() => Clock();

    /// <summary>Charges the time since <paramref name="since"/> to <paramref name="stage"/> and restarts the lap.</summary>
    public void Lap(string stage, ref long since)
    {
        var now = Clock();
        if (!_stages.TryGetValue(stage, out var s)) _order.Add(stage);
        _stages[stage] = (s.Ticks + now - since, s.Calls + 1);
        since = now;
    }

    public void Reset()
    {
        _stages.Clear();
        _order.Clear();
        Runs = 0;
    }

    /// <summary>(stage, wall ms per Encode, calls per Encode) in first-seen order.</summary>
    public IEnumerable<(string Stage, double MsPerRun, double CallsPerRun)> Report()
    {
        var runs = Math.Max(1, Runs);
        foreach (var name in _order)
        {
            var (ticks, calls) = _stages[name];
            yield return (name, ticks * 1e3 / Stopwatch.Frequency / runs, (double)calls / runs);
        }
    }
}
