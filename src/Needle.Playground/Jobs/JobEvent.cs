using System.Text.Json;

namespace Needle.Playground.Jobs;

/// <summary>
/// What the hub sends to followers of a job (SignalR method <see cref="JobEvent.Method"/>), one of:
/// "status" (Status, Error), "phase" (Phase), "log" (Line, Seq), "point" (Series, Step, Value), "metrics" (Metrics).
/// </summary>
public sealed record JobEvent(
    string JobId,
    string Type,
    DateTimeOffset At,
    string? Status = null,
    string? Error = null,
    string? Phase = null,
    string? Line = null,
    long? Seq = null,
    string? Series = null,
    long? Step = null,
    double? Value = null,
    JsonElement? Metrics = null)
{
    public const string Method = "jobEvent";
}
