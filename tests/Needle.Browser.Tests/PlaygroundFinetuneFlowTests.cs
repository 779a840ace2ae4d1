using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Needle.Tests;

namespace Needle.Browser.Tests;

/// <summary>
/// The product end to end on the reference fixtures' tiny trained model (offline data provider): Run a query,
/// finetune with tiny settings while the loss chart grows, read the eval table, download and open the bundle,
/// compare, load the finetuned model, and find the job again after a restart.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PlaygroundFinetuneFlowTests(BrowserFixture fixture)
{
    private static string Fixture(string name) => RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Model", name);

    private const string Tools = """
        [
          {"type": "function", "function": {"name": "set_timer", "description": "Start a countdown timer",
            "parameters": {"type": "object", "properties": {"time_human": {"type": "string", "description": "Duration, e.g. 10 minutes"}}, "required": ["time_human"]}}},
          {"type": "function", "function": {"name": "send_message", "description": "Send a text message",
            "parameters": {"type": "object", "properties": {"recipient": {"type": "string", "description": "Contact"}, "message": {"type": "string", "description": "Text"}}, "required": ["recipient", "message"]}}}
        ]
        """;

    [Fact]
    public async Task Run_a_query_then_finetune_with_a_live_chart_eval_table_bundle_compare_and_history_after_restart()
    {
        var root = Directory.CreateTempSubdirectory("needle-browser-ft-").FullName;
        var checkpoints = Path.Combine(root, "checkpoints");
        Directory.CreateDirectory(checkpoints);
        File.Copy(Fixture("trained.pkl"), Path.Combine(checkpoints, "tiny.pkl"));
        File.Copy(Fixture("tokenizer.model"), Path.Combine(checkpoints, "tokenizer.model"));
        try
        {
            string jobId;
            await using (var server = PlaygroundServer.Start(root))
            {
                var page = await fixture.NewPageAsync();
                await page.GotoAsync(server.Url("/"));
                await Assertions.Expect(page.Locator("#model-badge")).ToContainTextAsync("tiny.pkl", new() { Timeout = 20_000 });

                // Playground: a preset, then pasted tools in another dialect; Enter runs.
                await page.GetByRole(AriaRole.Button, new() { Name = "Timers & alarms" }).ClickAsync();
                await Assertions.Expect(page.Locator("#query")).ToHaveValueAsync("Set a 25 minute timer");
                await page.Locator("#tools").FillAsync(Tools);
                await Assertions.Expect(page.Locator("#tools-notice")).ToContainTextAsync("openai");
                await page.Locator("#query").FillAsync("Set a timer for 10 minutes");
                await page.Locator("#query").PressAsync("Enter");
                await Assertions.Expect(page.GetByTestId("run-result")).ToBeVisibleAsync(new() { Timeout = 20_000 });
                await Assertions.Expect(page.GetByTestId("latency")).ToContainTextAsync("ms");
                await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("Set a timer for 10 minutes");
                await BrowserFixture.ScreenshotAsync(page, "playground-run.png");

                // Bad JSON: the parser's words inline.
                await page.Locator("#tools").FillAsync("[{\"name\": \"x\",");
                await page.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true }).ClickAsync();
                await Assertions.Expect(page.GetByTestId("run-error")).ToContainTextAsync("not valid JSON");
                await page.Locator("#tools").FillAsync(Tools);

                // Finetune: the tools come along; tiny settings.
                await page.GetByRole(AriaRole.Link, new() { Name = "Finetune on these tools →" }).ClickAsync();
                await page.WaitForURLAsync(new Regex("/finetune$"));
                await Assertions.Expect(page.Locator("#ft-tools")).ToHaveValueAsync(new Regex("send_message"));
                await page.Locator("input[name=examplesPerTool]").FillAsync("6");
                await page.Locator("input[name=batchSize]").FillAsync("4");
                await page.Locator("input[name=maxSteps]").FillAsync("4");
                await Assertions.Expect(page.GetByTestId("estimate")).ToContainTextAsync("12 examples");
                await BrowserFixture.ScreenshotAsync(page, "finetune-form.png");
                await page.GetByRole(AriaRole.Button, new() { Name = "Start finetune" }).ClickAsync();
                await page.WaitForURLAsync(new Regex("/jobs/[0-9a-f]{12}$"));
                jobId = page.Url[(page.Url.LastIndexOf('/') + 1)..];

                // Live chart over SignalR while it trains.
                await page.WaitForFunctionAsync("() => window.needle.chart && window.needle.chart.trainPoints() >= 1", null, new() { Timeout = 90_000 });
                // A 4-step job can finish (and the page reload itself) between the wait above and this read.
                int early;
                while (true)
                {
                    try { early = await page.EvaluateAsync<int>("() => window.needle.chart ? window.needle.chart.trainPoints() : 0"); break; }
                    catch (PlaywrightException ex) when (ex.Message.Contains("Execution context was destroyed")) { await page.WaitForLoadStateAsync(); }
                }
                await BrowserFixture.ScreenshotAsync(page, "finetune-training.png");
                await Assertions.Expect(page.Locator("#job-status .badge")).ToHaveTextAsync("succeeded", new() { Timeout = 120_000 });
                // The live page reloads itself once to show the finished job; work on the reloaded page.
                await page.WaitForFunctionAsync("() => window.needle && window.needle.finalOnLoad === true", null, new() { Timeout = 30_000 });
                await page.WaitForFunctionAsync("() => window.needle.chart && window.needle.chart.trainPoints() === 4");
                Assert.True(early <= 4);

                // Eval table, bundle download and its contents.
                var table = page.GetByTestId("eval-table");
                await Assertions.Expect(table).ToContainTextAsync("Call F1");
                await Assertions.Expect(table).ToContainTextAsync("%");
                await Assertions.Expect(page.GetByTestId("download-bundle")).ToBeVisibleAsync();
                await Assertions.Expect(table.Locator("tbody tr").First.Locator("td").Nth(1)).ToContainTextAsync("%");
                await BrowserFixture.ScreenshotAsync(page, "finetune-done.png");
                var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download-bundle").ClickAsync());
                var zipPath = Path.Combine(root, "bundle.zip");
                await download.SaveAsAsync(zipPath);
                using (var zip = ZipFile.OpenRead(zipPath))
                {
                    var names = zip.Entries.Select(e => e.FullName).ToHashSet();
                    foreach (var expected in new[] { "checkpoint.pkl", "tokenizer.model", "tools.json", "train.jsonl", "test.jsonl", "eval_report.json", "README.md" })
                        Assert.Contains(expected, names);
                }

                // Compare base and finetuned side by side, then load the finetuned model in one click.
                await page.Locator("#finetune-panel input[name=query]").FillAsync("Text Maria that I am late");
                await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
                await Assertions.Expect(page.GetByTestId("compare")).ToContainTextAsync("Finetuned", new() { Timeout = 20_000 });
                await BrowserFixture.ScreenshotAsync(page, "finetune-compare.png");
                await page.GetByTestId("load-finetuned").ClickAsync();
                await page.WaitForURLAsync(server.Url("/"));
                await Assertions.Expect(page.Locator("#model-badge")).ToContainTextAsync($"finetuned-{jobId}");
                await page.CloseAsync();
            }

            // A new app process on the same folders: the job is in the history, with its eval table.
            await using var again = PlaygroundServer.Start(root);
            var jobs = await fixture.NewPageAsync();
            await jobs.GotoAsync(again.Url("/jobs"));
            var row = jobs.Locator($"tr[data-job-id='{jobId}']");
            await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync("succeeded");
            await row.GetByRole(AriaRole.Link).ClickAsync();
            await Assertions.Expect(jobs.GetByTestId("eval-table")).ToBeVisibleAsync();
            await jobs.CloseAsync();
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Without_a_model_the_playground_offers_a_download_that_fails_fast_offline()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Server.Url("/"));
        await Assertions.Expect(page.GetByTestId("no-model")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "playground-no-model.png");
        await page.GetByRole(AriaRole.Button, new() { Name = "Download weights" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/jobs/[0-9a-f]{12}$"));
        await Assertions.Expect(page.Locator("#job-status .badge")).ToHaveTextAsync("failed", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".error")).ToContainTextAsync("Download failed");
        await page.CloseAsync();
    }
}
