using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Needle.Tests;

namespace Needle.Browser.Tests;

/// <summary>
/// The app on a real Kestrel port on loopback, with its data and checkpoints under <see cref="Root"/> (a temp folder,
/// never the repo's). Start a second one on the same root to see what survives a restart.
/// </summary>
public sealed class PlaygroundServer : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private PlaygroundServer(string root)
    {
        Root = root;
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = BaseAddress.ToString().TrimEnd('/'),
            ["Needle:DataDir"] = Path.Combine(root, "data"),
            ["Needle:CheckpointsDir"] = Path.Combine(root, "checkpoints"),
        };
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseContentRoot(RepoPaths.Root);
            b.UseEnvironment("Testing");
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(settings));
        });
        _factory.UseKestrel();
        _factory.StartServer();
    }

    public string Root { get; }
    public Uri BaseAddress { get; }
    public string CheckpointsDir => Path.Combine(Root, "checkpoints");

    public static PlaygroundServer Start(string? root = null) =>
        new(root ?? Directory.CreateTempSubdirectory("needle-browser-").FullName);

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
