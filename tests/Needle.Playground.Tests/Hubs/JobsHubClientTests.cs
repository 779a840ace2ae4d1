using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Needle.Playground.Hubs;
using Needle.Playground.Jobs;
using Needle.Playground.Tests.Jobs;

namespace Needle.Playground.Tests.Hubs;

/// <summary>A .NET SignalR client (HubConnection over a WebSocket) follows a job and receives its events in order.</summary>
public sealed class JobsHubClientTests
{
    private static HubConnection Connect(PlaygroundFactory app)
    {
        var builder = new HubConnectionBuilder();
        builder.Services.AddSingleton<System.Net.EndPoint>(new UriEndPoint(new Uri(app.Server.BaseAddress, JobsHub.Path)));
        builder.Services.AddSingleton<IConnectionFactory>(new WebSocketConnectionFactory(ct =>
        {
            var client = app.Server.CreateWebSocketClient();
            // Negotiation is skipped: the socket goes straight to the hub endpoint.
            return client.ConnectAsync(new Uri(new Uri("ws://localhost"), JobsHub.Path), ct);
        }));
        builder.AddJsonProtocol();
        return builder.Build();
    }

    [Fact]
    public async Task Follower_receives_status_phase_log_points_and_metrics_of_the_job_in_order()
    {
        var gated = new GatedJobRunner();
        await using var app = PlaygroundFactory.Create(services: s => s.AddSingleton<IJobRunner>(gated));
        var client = app.CreateClient();
        var start = await client.PostAsJsonAsync("/api/jobs", new { kind = GatedJobRunner.KindName });
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await gated.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var events = Channel.CreateUnbounded<JobEvent>();
        await using var hub = Connect(app);
        hub.On<JobEvent>(JobEvent.Method, e => events.Writer.TryWrite(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Follow", id);
        gated.Gate.SetResult(); // everything from here on happens while we follow

        var all = new List<JobEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var e in events.Reader.ReadAllAsync(timeout.Token))
        {
            all.Add(e);
            if (e.Type == "status" && e.Status != "running") break;
        }

        // The hub pump may still have been sending the job's first events ("running", "waiting") when we joined.
        var received = all.SkipWhile(e => e.Phase != "training").ToList();
        Assert.All(received, e => Assert.Equal(id, e.JobId));
        Assert.Equal(["phase", "point", "point", "point", "metrics", "log", "status"], received.Select(e => e.Type));
        Assert.Equal("training", received[0].Phase);
        Assert.Equal([(1L, 2.5), (2L, 1.5)], received.Where(e => e.Series == "train").Select(e => (e.Step!.Value, e.Value!.Value)));
        Assert.Equal(1.5, received[4].Metrics!.Value.GetProperty("finalLoss").GetDouble());
        Assert.Equal("gated job done", received[5].Line);
        Assert.True(received[5].Seq > 1);
        Assert.Equal("succeeded", received[6].Status);
    }

    [Fact]
    public async Task Events_of_jobs_nobody_follows_are_not_sent()
    {
        var gated = new GatedJobRunner();
        await using var app = PlaygroundFactory.Create(services: s => s.AddSingleton<IJobRunner>(gated));
        var client = app.CreateClient();
        async Task<string> Start(object body) =>
            (await (await client.PostAsJsonAsync("/api/jobs", body)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        // One worker runs them in order a, b, c; the hub pump sends in the same order.
        var a = await Start(new { kind = GatedJobRunner.KindName });
        var b = await Start(new { kind = SelfTestJobRunner.KindName, settings = new { steps = 3, intervalMs = 0 } });
        var c = await Start(new { kind = SelfTestJobRunner.KindName, settings = new { steps = 2, intervalMs = 0 } });

        var events = Channel.CreateUnbounded<JobEvent>();
        await using var hub = Connect(app);
        hub.On<JobEvent>(JobEvent.Method, e => events.Writer.TryWrite(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Follow", a);
        await hub.InvokeAsync("Follow", c);
        gated.Gate.SetResult();

        var received = new List<JobEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var e in events.Reader.ReadAllAsync(timeout.Token))
        {
            received.Add(e);
            if (e.JobId == c && e.Type == "status" && e.Status == "succeeded") break;
        }
        // c's last event came after all of b's, so b's would have arrived by now had they been sent.
        Assert.Contains(received, e => e.JobId == a && e.Status == "succeeded");
        Assert.Contains(received, e => e.JobId == c && e.Type == "point");
        Assert.DoesNotContain(received, e => e.JobId == b);
    }

    [Fact]
    public async Task Hub_refuses_a_foreign_origin_and_a_remote_client()
    {
        await using var app = new PlaygroundFactory();
        var ws = app.Server.CreateWebSocketClient();
        ws.ConfigureRequest = r => r.Headers.Origin = "http://evil.example";
        var foreign = await Assert.ThrowsAnyAsync<Exception>(() => ws.ConnectAsync(new Uri("ws://localhost" + JobsHub.Path), CancellationToken.None));
        Assert.Contains("403", foreign.Message);

        var remote = app.Server.CreateWebSocketClient();
        remote.ConfigureRequest = r => r.Headers[PlaygroundFactory.RemoteIpHeader] = "203.0.113.9";
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => remote.ConnectAsync(new Uri("ws://localhost" + JobsHub.Path), CancellationToken.None));
        Assert.Contains("403", refused.Message);

        var negotiate = await app.ClientFrom("203.0.113.9").PostAsync(JobsHub.Path + "/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Forbidden, negotiate.StatusCode);
        var local = await app.CreateClient().PostAsync(JobsHub.Path + "/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        _ = HttpTransportType.WebSockets;
    }
}
