using Needle.Playground.Security;

namespace Needle.Playground.Services;

/// <summary>Streams a body into a hidden temp file beside the target, then renames it over the target.</summary>
public static class AtomicUpload
{
    /// <returns>Bytes written. <see cref="ModelCatalogException"/> 413 past <paramref name="maxBytes"/>, 400 when empty.</returns>
    public static async Task<long> SaveAsync(Stream content, string target, long maxBytes, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);
        // Hidden (leading dot) so listings skip it; same folder so the final move is an atomic rename.
        var temp = Path.Combine(folder, $".upload-{Guid.NewGuid():N}.tmp");
        try
        {
            long total = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    total += read;
                    if (total > maxBytes) throw new ModelCatalogException(413, ClientGuardMiddleware.TooLarge(maxBytes));
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            if (total == 0) throw new ModelCatalogException(400, "the uploaded file is empty");
            File.Move(temp, target, overwrite: true);
            return total;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
