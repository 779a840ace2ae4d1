using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Needle.Playground.Hubs;

namespace Needle.Playground.Jobs;

/// <summary>
/// Fans job events out to the hub group of each job. A single pump sends them in order, so a training loop never
/// waits on the network and a browser sees points in the order they were made.
/// </summary>
public sealed class JobEventPublisher(IHubContext<JobsHub> hub, ILogger<JobEventPublisher> logger) : BackgroundService
{
    private readonly Channel<JobEvent> _events = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true });

    public void Publish(JobEvent e) => _events.Writer.TryWrite(e);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await hub.Clients.Group(JobsHub.GroupName(e.JobId)).SendAsync(JobEvent.Method, e, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not send a {Type} event of job {JobId} to the hub", e.Type, e.JobId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
