using Microsoft.Playwright;

namespace Needle.Browser.Tests;

[Collection(BrowserCollection.Name)]
public sealed class ModelsFlowTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Upload_load_and_delete_a_checkpoint_from_the_models_page()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Server.Url("/models"));
        await Assertions.Expect(page.GetByText("No checkpoints yet")).ToBeVisibleAsync();

        // The reference fixtures' tiny trained model and its tokenizer: real files, so "Load" really loads.
        var fixtures = Needle.Tests.RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Model");
        var pkl = File.ReadAllBytes(Path.Combine(fixtures, "trained.pkl"));
        await page.Locator("#model-file").SetInputFilesAsync(new FilePayload { Name = "my model.pkl", MimeType = "application/octet-stream", Buffer = pkl });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
        var row = page.Locator("tr[data-name='my_model.pkl']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row).ToContainTextAsync($"{pkl.Length / 1024.0:0.0} KiB");
        Assert.True(File.Exists(Path.Combine(fixture.Server.CheckpointsDir, "my_model.pkl")));

        await page.Locator("#model-file").SetInputFilesAsync(new FilePayload { Name = "needle.model", MimeType = "application/octet-stream", Buffer = File.ReadAllBytes(Path.Combine(fixtures, "tokenizer.model")) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-name='needle.model']")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Load my_model.pkl" }).ClickAsync();
        await Assertions.Expect(page.Locator("#active-model-name")).ToHaveTextAsync("my_model.pkl");
        await BrowserFixture.ScreenshotAsync(page, "models.png");

        // A wrong file type: the server's message appears as a toast.
        await page.Locator("#model-file").SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = [1, 2] });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("Expected a .pkl checkpoint or a tokenizer .model file");
        await BrowserFixture.ScreenshotAsync(page, "models-toast.png");

        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete my_model.pkl" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-name='my_model.pkl']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#active-model-name")).ToContainTextAsync("None selected");
        Assert.False(File.Exists(Path.Combine(fixture.Server.CheckpointsDir, "my_model.pkl")));
        await page.CloseAsync();
    }
}
