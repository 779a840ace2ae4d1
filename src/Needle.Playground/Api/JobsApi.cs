using System.Text.Json;
using Needle.Playground.Data;
using Needle.Playground.Security;
using Needle.Playground.Services;

namespace Needle.Playground.Api;

/// <summary>GET/POST /api/jobs...: start, list, read, cancel and restart jobs. Loopback only.</summary>
public static class JobsApi
{
    public static void MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/jobs").RequireLoopback();
        api.MapGet("", (IJobService jobs) => Results.Ok(jobs.List()));
        api.MapGet("/kinds", (IJobService jobs) => Results.Ok(jobs.Kinds));
        api.MapGet("/{id}", (string id, IJobService jobs) =>
            jobs.GetDetail(id) is { } detail ? Results.Ok(detail) : NotFound(id));
        api.MapPost("", StartAsync);
        api.MapPost("/{id}/cancel", (string id, IJobService jobs) => Cancel(id, jobs));
        api.MapPost("/{id}/restart", (string id, IJobService jobs) => Restart(id, jobs));
    }

    private static async Task<IResult> StartAsync(HttpContext context, IJobService jobs, CancellationToken ct)
    {
        var (body, error) = await RequestJson.ReadObjectAsync(context, ct);
        if (error is not null) return error;
        var kind = RequestJson.OptionalString(body, "kind");
        if (string.IsNullOrWhiteSpace(kind)) return RequestJson.Bad("kind is required");
        JsonElement? settings = body.TryGetProperty("settings", out var s) && s.ValueKind != JsonValueKind.Null ? s : null;
        if (settings is { ValueKind: not JsonValueKind.Object }) return RequestJson.Bad("settings must be a JSON object");
        Dictionary<string, string>? secrets = null;
        if (body.TryGetProperty("secrets", out var sec) && sec.ValueKind != JsonValueKind.Null)
        {
            if (sec.ValueKind != JsonValueKind.Object || sec.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
                return RequestJson.Bad("secrets must be a JSON object of strings");
            secrets = sec.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        }
        return Start(() => jobs.Start(kind, settings, secrets));
    }

    internal static IResult Start(Func<JobSummary> start)
    {
        try
        {
            var job = start();
            return Results.Accepted($"/api/jobs/{job.Id}", job);
        }
        catch (ArgumentException ex)
        {
            return RequestJson.Bad(ex.Message);
        }
        catch (JobQueueFullException ex)
        {
            return ApiError.Result(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    private static IResult Cancel(string id, IJobService jobs) => jobs.Cancel(id) switch
    {
        CancelOutcome.NotFound => NotFound(id),
        CancelOutcome.AlreadyFinished => ApiError.Result(StatusCodes.Status409Conflict, $"job {id} has already finished"),
        CancelOutcome.Cancelled => Results.Ok(new { id, status = "cancelled" }),
        _ => Results.Accepted($"/api/jobs/{id}", new { id, status = "cancelling" }),
    };

    private static IResult Restart(string id, IJobService jobs)
    {
        try
        {
            return jobs.Restart(id) is { } again ? Results.Accepted($"/api/jobs/{again.Id}", again) : NotFound(id);
        }
        catch (InvalidOperationException ex)
        {
            return ApiError.Result(StatusCodes.Status409Conflict, ex.Message);
        }
        catch (JobQueueFullException ex)
        {
            return ApiError.Result(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    private static IResult NotFound(string id) => ApiError.Result(StatusCodes.Status404NotFound, $"no job with id '{id}'");
}
