using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Needle.Core.Tools;
using Needle.Playground.Components.Finetune;
using Needle.Playground.Hosting;
using Needle.Playground.Models;
using Needle.Playground.Security;
using Needle.Playground.Services;

namespace Needle.Playground.Finetune;

/// <summary>The Finetune page's htmx endpoints: start (validated before queuing), the live job panel, load, compare.</summary>
public static class FinetuneUi
{
    public static void MapFinetuneUi(this IEndpointRouteBuilder app)
    {
        var ui = app.MapGroup("/ui/finetune").RequireLoopback();
        ui.MapPost("/start", StartAsync).RequireAntiforgeryToken();
        ui.MapGet("/{id}/panel", (string id) => new RazorComponentResult<FinetunePanel>(new Dictionary<string, object?> { [nameof(FinetunePanel.JobId)] = id }));
        ui.MapPost("/{id}/load", LoadAsync).RequireAntiforgeryToken();
        ui.MapPost("/{id}/compare", CompareAsync).RequireAntiforgeryToken();
    }

    private static async Task<IResult> StartAsync(HttpContext http, IJobService jobs, NeedleActiveModel active, CancellationToken ct)
    {
        var form = await http.Request.ReadFormAsync(ct);
        var s = new FinetuneJobSettings
        {
            Tools = form["tools"].ToString(),
            Provider = form["provider"].ToString() is { Length: > 0 } p ? p : "offline",
            Model = Blank(form["model"]), BaseUrl = Blank(form["baseUrl"]), Project = Blank(form["project"]), Location = Blank(form["location"]),
        };
        try
        {
            s.ExamplesPerTool = Int(form["examplesPerTool"], 120, "examples per tool");
            s.Epochs = Int(form["epochs"], 1, "epochs");
            s.BatchSize = Int(form["batchSize"], 32, "batch size");
            s.LearningRate = form["learningRate"].ToString() is { Length: > 0 } lr
                ? double.TryParse(lr, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"Learning rate '{lr}' is not a number.")
                : 3e-5;
            s.MaxSteps = form["maxSteps"].ToString() is { Length: > 0 } ms ? Int(form["maxSteps"], 0, "max steps") : null;
            s.Validate();
            // Normalise the tools now: a bad schema is a 400 with the parser's message, not a failed job.
            var parsed = ToolSchemaParser.Parse(s.Tools);
            if (parsed.Tools.Count == 0) throw new ArgumentException("The tool list is empty: add at least one tool.");
        }
        catch (ToolSchemaException ex) { return ApiError.Result(400, ex.Message); }
        catch (ArgumentException ex) { return ApiError.Result(400, ex.Message); }
        if (active.Current is null) return ApiError.Result(409, "Load a model before finetuning: the Playground page offers download, upload or a bundle.");

        var secrets = new Dictionary<string, string>();
        if (form["secret.apiKey"].ToString() is { Length: > 0 } key) secrets["apiKey"] = key.Trim();
        try
        {
            var job = jobs.Start(JobKinds.Finetune, JsonSerializer.SerializeToElement(s, JsonDefaults.Web), secrets);
            http.Response.Headers["HX-Redirect"] = $"/jobs/{job.Id}";
            return Results.Ok();
        }
        catch (JobQueueFullException ex) { return ApiError.Result(503, ex.Message); }
    }

    private static async Task<IResult> LoadAsync(string id, HttpContext http, IJobService jobs, NeedleActiveModel active, CancellationToken ct)
    {
        if (Metrics(jobs, id)?.Checkpoint is not { } checkpoint) return ApiError.Result(404, $"job '{id}' has no finetuned checkpoint");
        try
        {
            await active.LoadAsync(checkpoint, ct);
        }
        catch (ModelCatalogException ex) { return ApiError.Result(ex.Status, ex.Message); }
        catch (InvalidDataException ex) { return ApiError.Result(422, ex.Message); }
        http.Response.Headers["HX-Redirect"] = "/";
        return Results.Ok();
    }

    private static async Task<IResult> CompareAsync(string id, HttpContext http, IJobService jobs, IModelCatalog catalog, CompareService compare, CancellationToken ct)
    {
        var job = jobs.Get(id);
        var m = Metrics(jobs, id);
        if (job is null || m?.Checkpoint is null || m.BaseModel is null) return ApiError.Result(404, $"job '{id}' has no finetuned checkpoint to compare");
        var form = await http.Request.ReadFormAsync(ct);
        var query = form["query"].ToString().Trim();
        if (query.Length == 0) return ApiError.Result(400, "Type a query to compare.");
        var tools = job.Settings is { } st && st.TryGetProperty("tools", out var t) ? t.GetString() ?? "[]" : "[]";
        try
        {
            var (b, f) = await compare.CompareAsync(query, tools, (m.BaseModel, catalog.PathOf(m.BaseModel)), (m.Checkpoint, catalog.PathOf(m.Checkpoint)), ct);
            return new RazorComponentResult<CompareResult>(new Dictionary<string, object?> { [nameof(CompareResult.Base)] = b, [nameof(CompareResult.Finetuned)] = f });
        }
        catch (ModelCatalogException ex) { return ApiError.Result(ex.Status, ex.Message); }
        catch (ToolSchemaException ex) { return ApiError.Result(400, ex.Message); }
    }

    internal static FinetuneMetrics? Metrics(IJobService jobs, string id) =>
        jobs.Get(id)?.Metrics is { ValueKind: JsonValueKind.Object } m ? m.Deserialize<FinetuneMetrics>(JsonDefaults.Web) : null;

    private static string? Blank(Microsoft.Extensions.Primitives.StringValues v) => v.ToString() is { Length: > 0 } s ? s.Trim() : null;

    private static int Int(Microsoft.Extensions.Primitives.StringValues v, int fallback, string what) =>
        v.ToString() is not { Length: > 0 } s ? fallback
        : int.TryParse(s, out var i) ? i : throw new ArgumentException($"{char.ToUpperInvariant(what[0]) + what[1..]} must be a whole number (got '{s}').");
}
