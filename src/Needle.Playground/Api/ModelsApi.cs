using Microsoft.Extensions.Options;
using Needle.Playground.Options;
using Needle.Playground.Security;
using Needle.Playground.Services;

namespace Needle.Playground.Api;

/// <summary>/api/models (list, upload, download, delete) and /api/model (the active model). Loopback only, except reading the active model's name.</summary>
public static class ModelsApi
{
    public static void MapModelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/model", (IActiveModel active) => Results.Ok(new { name = active.Current?.Name }));
        app.MapPost("/api/model", LoadAsync).RequireLoopback();

        var api = app.MapGroup("/api/models").RequireLoopback();
        api.MapGet("", (IModelCatalog catalog, IActiveModel active) => Results.Ok(new { active = active.Current?.Name, files = catalog.List() }));
        api.MapPost("", UploadAsync).WithBodyLimit(BodyLimitKind.Pkl);
        api.MapGet("/{**name}", (string name, IModelCatalog catalog) => Guard(() => Download(name, catalog)));
        api.MapDelete("/{**name}", (string name, IModelCatalog catalog, IActiveModel active) => Guard(() =>
        {
            Delete(name, catalog, active);
            return Results.NoContent();
        }));
    }

    internal static void Delete(string name, IModelCatalog catalog, IActiveModel active)
    {
        var path = catalog.PathOf(name);
        if (active.Current?.Path == path) active.Unload();
        catalog.Delete(name);
    }

    private static IResult Download(string name, IModelCatalog catalog)
    {
        var path = catalog.PathOf(name);
        var type = name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? "application/zip" : "application/octet-stream";
        return Results.File(path, type, fileDownloadName: Path.GetFileName(path), enableRangeProcessing: true);
    }

    private static async Task<IResult> UploadAsync(HttpContext context, IModelCatalog catalog, IOptions<NeedleOptions> options, CancellationToken ct)
    {
        try
        {
            var file = await MultipartUpload.ReceiveAsync(context, catalog, options, ct);
            return Results.Created($"/api/models/{file.Name}", file);
        }
        catch (ModelCatalogException ex)
        {
            return ApiError.Result(ex.Status, ex.Message);
        }
    }

    private static async Task<IResult> LoadAsync(HttpContext context, IActiveModel active, CancellationToken ct)
    {
        var (body, error) = await RequestJson.ReadObjectAsync(context, ct);
        if (error is not null) return error;
        var name = RequestJson.OptionalString(body, "name");
        if (string.IsNullOrWhiteSpace(name)) return RequestJson.Bad("name is required");
        try
        {
            var info = await active.LoadAsync(name, ct);
            return Results.Ok(new { name = info.Name });
        }
        catch (ModelCatalogException ex)
        {
            return ApiError.Result(ex.Status, ex.Message);
        }
        catch (InvalidDataException ex)
        {
            return ApiError.Result(StatusCodes.Status422UnprocessableEntity, ex.Message);
        }
    }

    internal static IResult Guard(Func<IResult> action)
    {
        try { return action(); }
        catch (ModelCatalogException ex) { return ApiError.Result(ex.Status, ex.Message); }
    }
}
