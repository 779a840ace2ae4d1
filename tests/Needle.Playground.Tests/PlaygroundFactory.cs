using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Needle.Playground.Jobs;
using Needle.Tests;

namespace Needle.Playground.Tests;

/// <summary>
/// The real app in memory, rooted at the repository's top level like a normal run, but with its own temporary
/// DataDir and CheckpointsDir (never the repo's). The client's address is 127.0.0.1 unless a request carries
/// the test-only header <see cref="RemoteIpHeader"/>.
/// </summary>
public sealed class PlaygroundFactory : WebApplicationFactory<Program>
{
    public const string RemoteIpHeader = "X-Test-Remote-Ip";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _ownsDirs;

    /// <summary>xunit class fixtures need exactly one public constructor: this one, with defaults.</summary>
    public PlaygroundFactory() : this(null, null, null) { }

    /// <param name="root">Reuse a folder (e.g. to restart the app on the same data); a new temp folder when null.</param>
    /// <param name="settings">Configuration overrides, e.g. "Needle:Limits:JsonBytes".</param>
    /// <param name="services">Test services (extra job runners).</param>
    public static PlaygroundFactory Create(string? root = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        new(root, settings, services);

    private PlaygroundFactory(string? root, IDictionary<string, string?>? settings, Action<IServiceCollection>? services)
    {
        _ownsDirs = root is null;
        Root = root ?? Directory.CreateTempSubdirectory("needle-web-test-").FullName;
        DataDir = Path.Combine(Root, "data");
        CheckpointsDir = Path.Combine(Root, "checkpoints");
        _settings = new Dictionary<string, string?>
        {
            ["Needle:DataDir"] = DataDir,
            ["Needle:CheckpointsDir"] = CheckpointsDir,
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) _settings[k] = v;
        _services = services;
    }

    public string Root { get; }
    public string DataDir { get; }
    public string CheckpointsDir { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepoPaths.Root);
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IStartupFilter, FakeRemoteAddress>();
            _services?.Invoke(services);
        });
    }

    /// <summary>A client whose requests appear to come from <paramref name="ip"/>.</summary>
    public HttpClient ClientFrom(string ip)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(RemoteIpHeader, ip);
        return client;
    }

    /// <summary>Polls GET /api/jobs/{id} until the job has finished; fails after 20 s.</summary>
    public async Task<JsonElement> WaitForJobAsync(string id)
    {
        var client = CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var detail = await client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}", timeout.Token);
            var status = detail.GetProperty("job").GetProperty("status").GetString();
            if (status is not ("queued" or "running")) return detail;
            await Task.Delay(25, timeout.Token);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDirs) TryDelete(Root);
    }

    public static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>TestServer leaves the remote address empty; the app treats that as remote, so set it like Kestrel would.</summary>
    private sealed class FakeRemoteAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                var header = context.Request.Headers[RemoteIpHeader].ToString();
                context.Connection.RemoteIpAddress = header.Length > 0 ? IPAddress.Parse(header) : IPAddress.Loopback;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
