using System.Diagnostics;

namespace Needle.Core.Model;

/// <summary>The parts of one decode step that <see cref="DecodeProfile"/> times separately.</summary>
public enum DecodeSection
{
    Embed,
    Norms,
    SelfQkv,
    QkNormRope,
    SelfAttention,
    SelfOut,
    CrossQ,
    CrossAttention,
    CrossOut,
    Residuals,
    Logits,
}

/// <summary>
/// Opt-in wall-clock timing of <see cref="SimpleAttentionNetwork.DecodeStep"/> by section (the benchmark's
/// <c>--profile</c>). Process-wide and not thread-safe: meant for one decoding thread. Off, it costs one branch
/// per section.
/// </summary>
public static class DecodeProfile
{
    private static readonly int SectionCount = Enum.GetValues<DecodeSection>().Length;
    private static readonly long[] Ticks = new long[SectionCount];   // the current step
    private static readonly List<long[]> History = [];               // per finished step

    public static bool Enabled { get; set; }

    /// <summary>Steps timed since the last <see cref="Reset"/>.</summary>
    public static long Steps { get; private set; }

    public static void Reset()
    {
        Array.Clear(Ticks);
        History.Clear();
        Steps = 0;
    }

    internal static long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Adds the time since <paramref name="t"/> to <paramref name="section"/> and restarts the clock.</summary>
    internal static void Lap(DecodeSection section, ref long t)
    {
        if (!Enabled) return;
        var now = Stopwatch.GetTimestamp();
        Ticks[(int)section] += now - t;
        t = now;
    }

    internal static void EndStep()
    {
        if (!Enabled) return;
        Steps++;
        History.Add((long[])Ticks.Clone());
        Array.Clear(Ticks);
    }

    /// <summary>
    /// Microseconds per step by section: the median and the minimum over the timed steps (on a shared machine the
    /// mean mostly measures preemption).
    /// </summary>
    public static IReadOnlyList<(DecodeSection Section, double Median, double Min)> Report() =>
        Enum.GetValues<DecodeSection>().Select(s =>
        {
            if (History.Count == 0) return (s, 0.0, 0.0);
            var t = History.Select(h => h[(int)s] * 1e6 / Stopwatch.Frequency).Order().ToArray();
            return (s, t[t.Length / 2], t[0]);
        }).ToList();
}
