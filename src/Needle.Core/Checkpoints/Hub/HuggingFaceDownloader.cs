using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Needle.Core.Checkpoints.Hub;

/// <summary>
/// Downloads files of a Hugging Face repo (by default Needle's <c>needle.pkl</c> and <c>tokenizer/needle.model</c>)
/// into a folder. Each file is written to <c>name.part</c>, resumed with a Range request when a part exists, checked
/// against the announced length and renamed into place only when complete. Offline, it fails within the connect
/// timeout with a message that says how to provide the files by hand.
/// </summary>
public sealed class HuggingFaceDownloader : IDisposable
{
    private const int BufferSize = 1 << 16;

    private readonly HttpClient _http;

    public HuggingFaceDownloader(HubOptions? options = null, HttpMessageHandler? handler = null)
    {
        Options = options ?? HubOptions.FromEnvironment();
        handler ??= new SocketsHttpHandler
        {
            ConnectTimeout = Options.ConnectTimeout,
            AllowAutoRedirect = true, // resolve/ answers 302 to a CDN; .NET drops Authorization on redirect
            AutomaticDecompression = DecompressionMethods.None,
            // An abandoned body (timeout, cancel) closes the connection at once instead of draining it for up to 2 s.
            MaxResponseDrainSize = 0,
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public HubOptions Options { get; }

    public void Dispose() => _http.Dispose();

    /// <summary>Downloads needle.pkl and tokenizer/needle.model into <paramref name="targetDir"/>; returns their paths.</summary>
    public async Task<IReadOnlyList<string>> DownloadNeedleAsync(string targetDir, IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        var paths = new List<string>();
        foreach (var file in HubOptions.NeedleFiles)
            paths.Add(await DownloadFileAsync(file, targetDir, progress, ct).ConfigureAwait(false));
        return paths;
    }

    /// <summary>Downloads one repo file to <c>targetDir/file</c> (sub-folders kept) and returns the local path.</summary>
    public async Task<string> DownloadFileAsync(string file, string targetDir, IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetDir);
        var uri = Options.FileUri(file);
        var target = Path.GetFullPath(Path.Combine(targetDir, file.Replace('/', Path.DirectorySeparatorChar)));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var part = target + ".part";
        var offset = File.Exists(part) ? new FileInfo(part).Length : 0;

        using var response = await SendAsync(uri, offset, targetDir, ct).ConfigureAwait(false);
        long? total;
        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent:
                var range = response.Content.Headers.ContentRange;
                if (range?.From != offset)
                    throw new HubDownloadException(HubFailure.BadResponse, $"{uri}: the server resumed at byte {range?.From} instead of {offset}. Delete {part} and retry.");
                total = range.Length;
                break;
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                // The part may already hold the whole file (a previous run died before the rename).
                var size = response.Content.Headers.ContentRange?.Length;
                if (size == offset) { Complete(part, target, file, offset, progress); return target; }
                File.Delete(part);
                throw new HubDownloadException(HubFailure.Interrupted, $"{uri}: the partial download {part} did not match the file on the server and was deleted; run the download again.");
            case HttpStatusCode.OK:
                offset = 0; // the server ignored the Range header: start over
                total = response.Content.Headers.ContentLength;
                break;
            default:
                throw StatusError(uri, response.StatusCode);
        }

        await CopyBodyAsync(response, part, offset, total, file, uri, progress, ct).ConfigureAwait(false);
        var length = new FileInfo(part).Length;
        if (total is not null && length != total)
            throw new HubDownloadException(HubFailure.Interrupted, $"{uri}: got {length} of {total} bytes; run the download again to resume.");
        Complete(part, target, file, length, progress);
        return target;
    }

    private static void Complete(string part, string target, string file, long length, IProgress<DownloadProgress>? progress)
    {
        File.Move(part, target, overwrite: true);
        progress?.Report(new DownloadProgress(file, length, length));
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, long offset, string targetDir, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
        if (Options.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("needle-dotnet", "1.0"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options.ConnectTimeout + Options.ReadTimeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw Offline(uri, "no answer within the timeout", targetDir, e);
        }
        catch (HttpRequestException e)
        {
            throw Offline(uri, Reason(e), targetDir, e);
        }
    }

    private async Task CopyBodyAsync(HttpResponseMessage response, string part, long offset, long? total, string file, Uri uri,
                                     IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        await using var output = new FileStream(part, offset > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buffer = new byte[BufferSize];
            var done = offset;
            progress?.Report(new DownloadProgress(file, done, total));
            while (true)
            {
                idle.CancelAfter(Options.ReadTimeout);
                var n = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                if (n == 0) break;
                await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                done += n;
                progress?.Report(new DownloadProgress(file, done, total));
            }
            await output.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new HubDownloadException(HubFailure.Interrupted, $"{uri}: no data for {Options.ReadTimeout.TotalSeconds:0} s; the partial file is kept, run the download again to resume.", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && e is not HubDownloadException)
        {
            throw new HubDownloadException(HubFailure.Interrupted, $"{uri}: the connection broke ({e.Message}); the partial file is kept, run the download again to resume.", e);
        }
    }

    private HubDownloadException StatusError(Uri uri, HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => new(HubFailure.NotFound,
            $"{uri}: 404 not found. Check the repo ('{Options.Repo}'), the revision ('{Options.Revision}') and the file name."),
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new(HubFailure.Unauthorized,
            $"{uri}: {(int)status} {status}. " + (Options.Token is null
                ? "The repo needs an access token: set HF_TOKEN to a Hugging Face token with read access."
                : "The token in HF_TOKEN was refused; check that it is valid and has access to the repo.")),
        _ => new(HubFailure.BadResponse, $"{uri}: the server answered {(int)status} {status}."),
    };

    private HubDownloadException Offline(Uri uri, string reason, string targetDir, Exception inner) => new(HubFailure.Offline,
        $"Cannot reach {Options.Endpoint} to download {uri.AbsolutePath} ({reason}). To work offline, copy needle.pkl and " +
        $"tokenizer/needle.model (from https://huggingface.co/{Options.Repo}) into {Path.GetFullPath(targetDir)}, " +
        "or upload a .pkl checkpoint on the playground's Models page. Set HF_ENDPOINT to use a mirror.", inner);

    private static string Reason(HttpRequestException e) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } => "DNS lookup failed",
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused",
        SocketException s => s.SocketErrorCode.ToString(),
        OperationCanceledException or TimeoutException => "connect timed out",
        _ => e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "DNS lookup failed",
            HttpRequestError.ConnectionError => "connection failed",
            _ => e.Message,
        },
    };
}
