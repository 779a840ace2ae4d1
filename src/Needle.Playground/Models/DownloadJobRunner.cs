using Needle.Core.Checkpoints.Hub;
using Needle.Playground.Jobs;
using Needle.Playground.Services;

namespace Needle.Playground.Models;

/// <summary>
/// "download": fetches the published Needle weights (needle.pkl + tokenizer) from Hugging Face into checkpoints/ and
/// loads them. Offline it fails fast with the downloader's message (shown on the job page and as the job's error).
/// </summary>
public sealed class DownloadJobRunner(IModelCatalog catalog, NeedleActiveModel active) : IJobRunner
{
    public const string KindName = "download";
    public string Kind => KindName;
    public string DisplayName => "Download Needle weights";

    /// <summary>Tests point this at a fake hub; null uses HF (or HF_ENDPOINT / HF_TOKEN from the environment).</summary>
    internal static HubOptions? OptionsOverride { get; set; }

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        context.SetPhase("downloading");
        var options = (OptionsOverride ?? HubOptions.FromEnvironment()) with { ConnectTimeout = TimeSpan.FromSeconds(5) };
        context.Log($"Downloading {string.Join(" and ", HubOptions.NeedleFiles)} from {options.Endpoint}/{options.Repo} into checkpoints/ ...");
        using var downloader = new HuggingFaceDownloader(options);
        var lastPercent = -1;
        var progress = new Progress<DownloadProgress>(p =>
        {
            if (p.Fraction is not { } f) return;
            var percent = (int)(f * 100);
            if (percent / 10 == lastPercent / 10) return;
            lastPercent = percent;
            context.Log($"  {p.File}: {percent}%");
        });
        try
        {
            var files = await downloader.DownloadNeedleAsync(catalog.Root, progress, ct);
            context.Log($"Downloaded {files.Count} files.");
        }
        catch (HubDownloadException ex)
        {
            throw new InvalidOperationException($"Download failed: {ex.Message}", ex);
        }
        context.SetPhase("loading");
        var info = await active.LoadAsync("needle.pkl", ct);
        context.Log($"Loaded {info.Name}.");
        context.SetPhase("done");
    }
}
