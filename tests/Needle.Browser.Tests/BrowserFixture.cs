using Microsoft.Playwright;
using Needle.Tests;

namespace Needle.Browser.Tests;

/// <summary>One app on a loopback port (temp data) and Debian's Chromium driven by Playwright, shared by the browser tests.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private PlaygroundServer? _server;

    public IBrowser Browser { get; private set; } = null!;
    public Uri BaseAddress => _server!.BaseAddress;
    public PlaygroundServer Server => _server!;
    public static string ScreenshotDir { get; } = RepoPaths.Combine("artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        var chromium = FindChromium() ?? throw new InvalidOperationException(
            "No Chromium found. Install it with 'apt-get install -y chromium' (CI does this in .ci/run) or set NEEDLE_CHROMIUM.");
        _server = PlaygroundServer.Start();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
        Directory.CreateDirectory(ScreenshotDir);
    }

    public async Task<IPage> NewPageAsync() =>
        await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            try { Directory.Delete(_server.Root, recursive: true); } catch (IOException) { }
        }
    }

    private static string? FindChromium()
    {
        string?[] candidates = [Environment.GetEnvironmentVariable("NEEDLE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
        return candidates.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
