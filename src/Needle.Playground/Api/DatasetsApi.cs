using Microsoft.Extensions.Options;
using Needle.Playground.Options;
using Needle.Playground.Security;
using Needle.Playground.Services;

namespace Needle.Playground.Api;

/// <summary>/api/datasets: upload (.jsonl, Needle:Limits:JsonlBytes) and list training data. Loopback only.</summary>
public static class DatasetsApi
{
    public static void MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/datasets").RequireLoopback();
        api.MapGet("", (IDatasetCatalog datasets) => Results.Ok(datasets.List().Select(d => new { d.Name, d.SizeBytes, d.ModifiedAt })));
        api.MapPost("", async (HttpContext http, IDatasetCatalog datasets, IOptions<NeedleOptions> options, CancellationToken ct) =>
        {
            try
            {
                var file = await MultipartUpload.ReceiveAsync(http, options.Value.Limits.JsonlBytes, datasets.SaveAsync, ct);
                return Results.Created($"/api/datasets/{file.Name}", new { file.Name, file.SizeBytes, file.ModifiedAt });
            }
            catch (ModelCatalogException ex)
            {
                return ApiError.Result(ex.Status, ex.Message);
            }
        }).WithBodyLimit(BodyLimitKind.Jsonl);
    }
}
