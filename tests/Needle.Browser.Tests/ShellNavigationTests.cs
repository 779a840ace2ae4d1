using Microsoft.Playwright;

namespace Needle.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed class ShellNavigationTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Menu_leads_to_every_area_and_the_shell_renders_styled()
    {
        var page = await fixture.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        await page.GotoAsync(fixture.BaseAddress.ToString());
        Assert.Equal("Playground · Needle", await page.TitleAsync());

        // The stylesheet really applied: the sidebar is dark, not the browser default.
        var sidebarColor = await page.EvalOnSelectorAsync<string>("aside.sidebar", "e => getComputedStyle(e).backgroundColor");
        Assert.Equal("rgb(18, 20, 28)", sidebarColor);
        // The npm-restored libraries loaded.
        Assert.True(await page.EvaluateAsync<bool>("() => typeof htmx === 'object' && typeof signalR === 'object' && typeof uPlot === 'function'"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDir, "shell-playground.png"), FullPage = true });

        var nav = page.GetByRole(AriaRole.Navigation, new PageGetByRoleOptions { Name = "Main" });
        foreach (var (name, path) in new[] { ("Finetune", "/finetune"), ("Models", "/models"), ("Jobs", "/jobs"), ("Playground", "/") })
        {
            await nav.GetByRole(AriaRole.Link, new LocatorGetByRoleOptions { Name = name }).ClickAsync();
            await page.WaitForURLAsync(new Uri(fixture.BaseAddress, path).ToString());
            Assert.Equal(name, await page.Locator("h1").InnerTextAsync());
            Assert.Equal("page", await nav.Locator("a.active").GetAttributeAsync("aria-current"));
        }
        await page.CloseAsync();
    }
}
