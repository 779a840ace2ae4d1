using Microsoft.Playwright;

namespace Needle.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed class JobsFlowTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Self_test_started_from_the_page_draws_a_growing_loss_chart_and_stays_in_history_after_a_restart()
    {
        var root = Directory.CreateTempSubdirectory("needle-browser-jobs-").FullName;
        try
        {
            string jobUrl;
            await using (var first = PlaygroundServer.Start(root))
            {
                var page = await fixture.NewPageAsync();
                await page.GotoAsync(first.Url("/jobs"));
                await Assertions.Expect(page.GetByText("No jobs yet")).ToBeVisibleAsync();
                await BrowserFixture.ScreenshotAsync(page, "jobs-empty.png");

                await page.GetByRole(AriaRole.Button, new() { Name = "Run self-test" }).ClickAsync();
                await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/jobs/[0-9a-f]{12}$"));
                jobUrl = page.Url;

                // Live: the chart gains points while the job runs.
                await page.WaitForFunctionAsync("() => window.needle.chart && window.needle.chart.trainPoints() >= 5");
                var early = await page.EvaluateAsync<int>("() => window.needle.chart.trainPoints()");
                await page.WaitForFunctionAsync($"() => window.needle.chart.trainPoints() > {early + 10}");
                var later = await page.EvaluateAsync<int>("() => window.needle.chart.trainPoints()");
                Assert.True(later > early, $"chart should grow: {early} -> {later}");
                await BrowserFixture.ScreenshotAsync(page, "job-running.png");

                // Finished: the page reloads from history with the whole curve.
                await Assertions.Expect(page.Locator("#job-status .badge")).ToHaveTextAsync("succeeded", new() { Timeout = 30_000 });
                await page.WaitForFunctionAsync("() => window.needle && window.needle.finalOnLoad === true", null, new() { Timeout = 30_000 });
                await page.WaitForFunctionAsync("() => window.needle.chart && window.needle.chart.trainPoints() === 80");
                await Assertions.Expect(page.Locator("#point-count")).ToHaveTextAsync("80");
                await Assertions.Expect(page.Locator("#job-log")).ToContainTextAsync("Self-test done.");
                await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Restart" })).ToBeVisibleAsync();
                await BrowserFixture.ScreenshotAsync(page, "job-succeeded.png");
                await page.CloseAsync();
            }

            // A new app process on the same data folder still lists the job.
            await using var second = PlaygroundServer.Start(root);
            var again = await fixture.NewPageAsync();
            await again.GotoAsync(second.Url("/jobs"));
            var id = jobUrl[(jobUrl.LastIndexOf('/') + 1)..];
            var row = again.Locator($"tr[data-job-id='{id}']");
            await Assertions.Expect(row).ToBeVisibleAsync();
            await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync("succeeded");
            await BrowserFixture.ScreenshotAsync(again, "jobs-history.png");

            await row.GetByRole(AriaRole.Link).ClickAsync();
            await again.WaitForFunctionAsync("() => window.needle.chart && window.needle.chart.trainPoints() === 80");
            await again.CloseAsync();
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task A_running_job_can_be_cancelled_from_its_page_and_then_restarted()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Server.Url("/jobs"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Run self-test" }).ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/jobs/[0-9a-f]{12}$"));
        var cancelledUrl = page.Url;
        await page.WaitForFunctionAsync("() => window.needle.chart && window.needle.chart.trainPoints() >= 3");

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(page.Locator("#job-status .badge")).ToHaveTextAsync("cancelled", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Cancelled by the user.");
        var kept = await page.EvaluateAsync<int>("() => window.needle.chart.trainPoints()");
        Assert.InRange(kept, 3, 79);

        await page.GetByRole(AriaRole.Button, new() { Name = "Restart" }).ClickAsync();
        await page.WaitForURLAsync(u => u != cancelledUrl && u.Contains("/jobs/"));
        await Assertions.Expect(page.Locator("#job-status .badge")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("queued|running|succeeded"));
        await page.CloseAsync();
    }
}
