using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Needle.Playground.Options;
using Needle.Playground.Services;

namespace Needle.Playground.Api;

/// <summary>
/// Reads a multipart upload section by section and streams the part named "file" straight to disk, so
/// a 512 MiB checkpoint never sits in memory (nor in ASP.NET's form buffer).
/// </summary>
public static class MultipartUpload
{
    public const string FieldName = "file";

    public static Task<ModelFile> ReceiveAsync(HttpContext context, IModelCatalog catalog, IOptions<NeedleOptions> options, CancellationToken ct) =>
        ReceiveAsync(context, options.Value.Limits.PklBytes, catalog.SaveAsync, ct);

    /// <summary>Streams the "file" part into <paramref name="save"/> (name, stream, limit, ct).</summary>
    public static async Task<T> ReceiveAsync<T>(HttpContext context, long limit, Func<string, Stream, long, CancellationToken, Task<T>> save, CancellationToken ct)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new ModelCatalogException(400, "expected multipart/form-data");
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) throw new ModelCatalogException(400, "missing multipart boundary");

        try
        {
            // The antiforgery check may already have parsed the form (token sent as a form field): use that copy.
            if (context.Features.Get<IFormFeature>()?.Form is { } form)
            {
                var formFile = form.Files.GetFile(FieldName) ?? throw MissingFile();
                await using var stream = formFile.OpenReadStream();
                return await save(formFile.FileName, stream, limit, ct);
            }

            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                if (!disposition.IsFileDisposition() || disposition.Name.Value?.Trim('"') != FieldName) continue;
                var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                return await save(fileName ?? "", section.Body, limit, ct);
            }
            throw MissingFile();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ModelCatalogException(413, Security.ClientGuardMiddleware.TooLarge(limit));
        }
        catch (InvalidDataException ex)
        {
            throw new ModelCatalogException(400, $"malformed multipart body: {ex.Message}");
        }
    }

    private static ModelCatalogException MissingFile() => new(400, $"the upload has no file part named '{FieldName}'");
}
