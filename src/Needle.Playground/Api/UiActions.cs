using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Needle.Playground.Components.Jobs;
using Needle.Playground.Components.Models;
using Needle.Playground.Options;
using Needle.Playground.Security;
using Needle.Playground.Services;

namespace Needle.Playground.Api;

/// <summary>
/// The pages' htmx endpoints under /ui: posts carry the antiforgery token; answers are HTML fragments to swap in,
/// or an HX-Redirect to the page that shows the result. Errors are {"error"} JSON, shown as a toast by app.js.
/// </summary>
public static class UiActions
{
    public static void MapUiActions(this IEndpointRouteBuilder app)
    {
        var ui = app.MapGroup("/ui").RequireLoopback();

        ui.MapGet("/jobs/table", () => new RazorComponentResult<JobsTable>());
        ui.MapPost("/jobs/start/{kind}", async (string kind, HttpContext http, IJobService jobs, CancellationToken ct) =>
        {
            var (settings, secrets, error) = await StartFields.ReadAsync(http, ct);
            if (error is not null) return RequestJson.Bad(error);
            var result = JobsApi.Start(() => jobs.Start(kind, settings, secrets));
            return result is Accepted<Data.JobSummary> { Value: { } job } ? Redirect(http, $"/jobs/{job.Id}") : result;
        }).RequireAntiforgeryToken();
        ui.MapPost("/jobs/{id}/cancel", (string id, HttpContext http, IJobService jobs) =>
        {
            var outcome = jobs.Cancel(id);
            return outcome == CancelOutcome.NotFound ? ApiError.Result(404, $"no job with id '{id}'") : Redirect(http, $"/jobs/{id}");
        }).RequireAntiforgeryToken();
        ui.MapPost("/jobs/{id}/restart", (string id, HttpContext http, IJobService jobs) =>
        {
            try
            {
                return jobs.Restart(id) is { } again ? Redirect(http, $"/jobs/{again.Id}") : ApiError.Result(404, $"no job with id '{id}'");
            }
            catch (InvalidOperationException ex) { return ApiError.Result(409, ex.Message); }
            catch (JobQueueFullException ex) { return ApiError.Result(503, ex.Message); }
        }).RequireAntiforgeryToken();

        ui.MapGet("/models/panel", () => Panel(null));
        ui.MapPost("/models/upload", async (HttpContext http, IModelCatalog catalog, IOptions<NeedleOptions> options, CancellationToken ct) =>
        {
            try
            {
                var file = await MultipartUpload.ReceiveAsync(http, catalog, options, ct);
                return Panel($"Uploaded {file.Name}.");
            }
            catch (ModelCatalogException ex) { return ApiError.Result(ex.Status, ex.Message); }
        }).WithBodyLimit(BodyLimitKind.Pkl).RequireAntiforgeryToken();
        ui.MapPost("/models/delete/{**name}", (string name, IModelCatalog catalog, IActiveModel active) => ModelsApi.Guard(() =>
        {
            ModelsApi.Delete(name, catalog, active);
            return Panel($"Deleted {name}.");
        })).RequireAntiforgeryToken();
        ui.MapPost("/models/load/{**name}", async (string name, IActiveModel active, CancellationToken ct) =>
        {
            try
            {
                var info = await active.LoadAsync(name, ct);
                return Panel($"Selected {info.Name} as the active model.");
            }
            catch (ModelCatalogException ex) { return ApiError.Result(ex.Status, ex.Message); }
            catch (InvalidDataException ex) { return ApiError.Result(422, ex.Message); }
        }).RequireAntiforgeryToken();
    }

    private static IResult Panel(string? message) =>
        new RazorComponentResult<ModelsPanel>(new Dictionary<string, object?> { [nameof(ModelsPanel.Message)] = message });

    /// <summary>htmx follows HX-Redirect; a plain form post gets a 303 to the same place.</summary>
    private static IResult Redirect(HttpContext http, string url)
    {
        if (!http.Request.Headers.ContainsKey("HX-Request")) return Results.Redirect(url, permanent: false, preserveMethod: false);
        http.Response.Headers["HX-Redirect"] = url;
        return Results.Ok();
    }
}
