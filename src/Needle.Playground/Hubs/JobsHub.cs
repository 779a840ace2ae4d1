using Microsoft.AspNetCore.SignalR;

namespace Needle.Playground.Hubs;

/// <summary>Pushes job progress (phase, step, loss, learning rate, metrics) to browsers and .NET clients.</summary>
public sealed class JobsHub : Hub
{
    public const string Path = "/hubs/jobs";

    /// <summary>A client follows one job's events by joining its group.</summary>
    public Task Follow(string jobId) => Groups.AddToGroupAsync(Context.ConnectionId, GroupName(jobId));

    public Task Unfollow(string jobId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupName(jobId));

    public static string GroupName(string jobId) => $"job:{jobId}";
}
