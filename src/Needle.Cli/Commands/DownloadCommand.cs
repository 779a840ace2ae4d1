using System.CommandLine;
using System.Globalization;
using Needle.Core.Checkpoints.Hub;

namespace Needle.Cli.Commands;

/// <summary>`needle download`: fetch needle.pkl and tokenizer/needle.model from the Hugging Face hub.</summary>
public sealed class DownloadCommand : ICliCommand
{
    public Command Build()
    {
        var outDir = new Option<string>("--out") { Description = "Folder to download into.", DefaultValueFactory = _ => "checkpoints" };
        var endpoint = new Option<string?>("--endpoint") { Description = "Hub URL (default: HF_ENDPOINT or https://huggingface.co)." };
        var revision = new Option<string>("--revision") { Description = "Branch, tag or commit of the repo.", DefaultValueFactory = _ => "main" };
        var repo = new Option<string>("--repo") { Description = "Repository to download from.", DefaultValueFactory = _ => HubOptions.NeedleRepo };
        var command = new Command("download", $"Download the Needle weights and tokenizer from Hugging Face ({HubOptions.NeedleRepo}); resumes partial downloads. HF_TOKEN is sent if set.");
        command.Options.Add(outDir);
        command.Options.Add(endpoint);
        command.Options.Add(revision);
        command.Options.Add(repo);
        command.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var output = pr.InvocationConfiguration.Output;
            var error = pr.InvocationConfiguration.Error;
            var env = HubOptions.FromEnvironment();
            var options = env with
            {
                Endpoint = pr.GetValue(endpoint) ?? env.Endpoint,
                Revision = pr.GetValue(revision)!,
                Repo = pr.GetValue(repo)!,
            };
            var dir = pr.GetValue(outDir)!;
            try
            {
                using var downloader = new HuggingFaceDownloader(options);
                var progress = new ProgressPrinter(output);
                foreach (var file in HubOptions.NeedleFiles)
                {
                    output.WriteLine($"{file} <- {options.FileUri(file)}");
                    var path = await downloader.DownloadFileAsync(file, dir, progress, ct);
                    output.WriteLine($"saved {path}");
                }
                return 0;
            }
            catch (HubDownloadException e)
            {
                error.WriteLine($"download failed: {e.Message}");
                return 1;
            }
            catch (ArgumentException e)
            {
                error.WriteLine($"download: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>One line per 10% step, so logs stay short (a terminal bar would flood redirected output).</summary>
    private sealed class ProgressPrinter(TextWriter output) : IProgress<DownloadProgress>
    {
        private string? _file;
        private int _lastStep = -1;

        public void Report(DownloadProgress p)
        {
            if (p.File != _file) (_file, _lastStep) = (p.File, -1);
            var step = p.Fraction is { } f ? (int)(f * 10) : (int)(p.BytesDone >> 23); // 10% steps, or every 8 MiB
            if (step == _lastStep) return;
            _lastStep = step;
            var total = p.TotalBytes is { } t ? $" / {Mb(t)}" : "";
            var percent = p.Fraction is { } fr ? $" {fr * 100,3:0}%" : "";
            output.WriteLine($"  {p.File}:{percent} {Mb(p.BytesDone)}{total}");
        }

        private static string Mb(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
    }
}
