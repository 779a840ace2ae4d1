namespace Needle.Synthesis.Http;

/// <summary>Retry and timeout policy for provider HTTP calls. Tests shrink the delays; production keeps the defaults.</summary>
public sealed record RetryOptions
{
    /// <summary>Total tries per request, the first one included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Backoff before retry n is BaseDelay·2^(n-1), jittered ×[0.5, 1.5), capped at <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A server's Retry-After is honoured up to this long; longer waits are cut to it.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Time limit for one attempt (connect, send, and read the whole response). Upstream's Needle 2 uses 180 s.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>How waiting is done; tests substitute a recorder so no test sleeps.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;

    /// <summary>Seed for the jitter (null: unseeded).</summary>
    public int? JitterSeed { get; init; }
}
