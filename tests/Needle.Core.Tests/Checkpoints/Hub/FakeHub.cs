using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Needle.Core.Tests.Checkpoints.Hub;

/// <summary>
/// A stand-in for huggingface.co on 127.0.0.1 (Kestrel, port 0): serves /{repo}/resolve/{rev}/{file}, optionally via a
/// 302 to a "CDN" path like the real hub, honours Range requests, and can demand a token or drop a connection mid-file.
/// </summary>
internal sealed class FakeHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _drops;

    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);
    public string? RequiredToken { get; set; }
    public bool RedirectToCdn { get; set; } = true;
    public bool IgnoreRange { get; set; }
    /// <summary>The next N body responses stop after this many bytes and abort the connection.</summary>
    public int DropAfterBytes { get; set; }
    public int DropCount { get => _drops; set => _drops = value; }
    /// <summary>After this many body bytes the response stalls until the client gives up.</summary>
    public int? StallAfterBytes { get; set; }
    public ConcurrentQueue<(string Path, string? Range, string? Authorization)> Requests { get; } = new();
    public string Endpoint { get; private set; } = "";

    private FakeHub(WebApplication app) => _app = app;

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var hub = new FakeHub(app);
        app.Run(hub.HandleAsync);
        await app.StartAsync();
        hub.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return hub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value!.TrimStart('/');
        Requests.Enqueue((path, ctx.Request.Headers.Range.ToString() is { Length: > 0 } r ? r : null,
                          ctx.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null));
        if (path.StartsWith("cdn/", StringComparison.Ordinal)) path = path["cdn/".Length..];
        else
        {
            if (RequiredToken is not null && ctx.Request.Headers.Authorization != "Bearer " + RequiredToken)
            {
                ctx.Response.StatusCode = 401;
                return;
            }
            if (!Files.ContainsKey(path)) { ctx.Response.StatusCode = 404; return; }
            if (RedirectToCdn) { ctx.Response.Redirect("/cdn/" + path); return; }
        }
        if (!Files.TryGetValue(path, out var bytes)) { ctx.Response.StatusCode = 404; return; }

        long from = 0;
        var range = ctx.Request.Headers.Range.ToString();
        if (!IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (from >= bytes.Length)
            {
                ctx.Response.StatusCode = 416;
                ctx.Response.Headers.ContentRange = $"bytes */{bytes.Length}";
                return;
            }
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
        }
        var body = bytes.AsMemory((int)from);
        ctx.Response.ContentLength = body.Length;
        if (Interlocked.Decrement(ref _drops) >= 0)
        {
            await ctx.Response.Body.WriteAsync(body[..Math.Min(DropAfterBytes, body.Length)]);
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
            return;
        }
        if (StallAfterBytes is { } stall)
        {
            await ctx.Response.Body.WriteAsync(body[..Math.Min(stall, body.Length)]);
            await ctx.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { });
            return;
        }
        await ctx.Response.Body.WriteAsync(body);
    }
}
