using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Needle.Core.Tools;
using Needle.Playground.Components.Playground;
using Needle.Playground.Models;
using Needle.Playground.Security;
using Needle.Playground.Services;

namespace Needle.Playground.Api;

/// <summary>
/// The Playground page's htmx endpoints: Run returns the result partial (the call, latency, tokens/s, history);
/// errors come back as the same partial with a 4xx status and a message in words (app.js swaps those too).
/// </summary>
public static class PlaygroundUi
{
    public static void MapPlaygroundUi(this IEndpointRouteBuilder app)
    {
        var ui = app.MapGroup("/ui/playground").RequireLoopback();
        ui.MapPost("/run", RunAsync).RequireAntiforgeryToken();
        ui.MapPost("/tools/check", async (HttpContext http, CancellationToken ct) =>
        {
            var form = await http.Request.ReadFormAsync(ct);
            return Check(form["tools"].ToString());
        }).RequireAntiforgeryToken();
        ui.MapGet("/model", () => new RazorComponentResult<ModelBadge>());
        app.MapPost("/ui/models/bundle", ImportBundleAsync).RequireLoopback().WithBodyLimit(BodyLimitKind.Pkl).RequireAntiforgeryToken();
    }

    /// <summary>Start from a bundle: the .zip is streamed to a temp file, unpacked into checkpoints/&lt;bundle&gt;/ and loaded.</summary>
    private static async Task<IResult> ImportBundleAsync(HttpContext http, IModelCatalog catalog, NeedleActiveModel active,
        Microsoft.Extensions.Options.IOptions<Options.NeedleOptions> options, CancellationToken ct)
    {
        var limit = options.Value.Limits.PklBytes;
        var temp = Path.Combine(Path.GetTempPath(), $"needle-bundle-{Guid.NewGuid():N}.zip");
        try
        {
            var fileName = await MultipartUpload.ReceiveAsync(http, limit, async (name, stream, max, token) =>
            {
                if (!name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) throw new ModelCatalogException(400, "expected a bundle .zip file");
                await using var file = File.Create(temp);
                var buffer = new byte[81920];
                long total = 0;
                int n;
                while ((n = await stream.ReadAsync(buffer, token)) > 0)
                {
                    total += n;
                    if (total > max) throw new ModelCatalogException(413, $"request body too large (max {max} bytes)");
                    await file.WriteAsync(buffer.AsMemory(0, n), token);
                }
                return Path.GetFileName(name);
            }, ct);
            var checkpoint = await Task.Run(() => BundleImport.Extract(temp, catalog.Root, fileName, limit), ct);
            var info = await active.LoadAsync(checkpoint, ct);
            http.Response.Headers["HX-Refresh"] = "true";
            return Results.Content($"<p class=\"notice small\">Loaded {System.Net.WebUtility.HtmlEncode(info.Name)} from the bundle.</p>", "text/html");
        }
        catch (ModelCatalogException ex) { return ApiError.Result(ex.Status, ex.Message); }
        catch (InvalidDataException ex) { return ApiError.Result(422, ex.Message); }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task<IResult> RunAsync(HttpContext http, NeedleGenerationService generation, RunHistory history, CancellationToken ct)
    {
        var form = await http.Request.ReadFormAsync(ct);
        var query = form["query"].ToString();
        var toolsText = form["tools"].ToString();
        var constrained = form["constrained"].Count > 0 && form["constrained"].ToString() is not ("false" or "off" or "0");
        var structured = form["structured"].Count > 0 && form["structured"].ToString() is not ("false" or "off" or "0");
        if (string.IsNullOrWhiteSpace(query)) return Result(400, "Type a query first, e.g. \"Set a 25 minute timer\".");

        JsonElement tools;
        try
        {
            // Any dialect in, the flat array out; the parser's message names the tool and the field.
            var parsed = string.IsNullOrWhiteSpace(toolsText) ? null : ToolSchemaParser.Parse(toolsText);
            tools = JsonDocument.Parse(parsed is null ? "[]" : ToolSchemaParser.ToNeedleJson(parsed.Tools)).RootElement.Clone();
        }
        catch (ToolSchemaException ex) { return Result(400, ex.Message); }

        if (generation.NotReadyReason is { } reason) return Result(503, reason);
        try
        {
            var run = await generation.RunAsync(new GenerateRequest(query.Trim(), tools, Constrained: constrained, Structured: structured), ct);
            var detected = string.IsNullOrWhiteSpace(toolsText) ? run : run with { DetectedFormat = ToolSchemaParser.Parse(toolsText).DetectedFormat, Notices = ToolSchemaParser.Parse(toolsText).Notices };
            history.Add(detected);
            return new RazorComponentResult<RunResult>(new Dictionary<string, object?> { [nameof(RunResult.Run)] = detected });
        }
        catch (ModelNotLoadedException ex) { return Result(503, ex.Message); }
        catch (ArgumentException ex) { return Result(400, ex.Message); }
    }

    /// <summary>The tools editor's check: which format was detected and what was converted (or the error).</summary>
    private static IResult Check(string toolsText)
    {
        try
        {
            var parsed = ToolSchemaParser.Parse(toolsText);
            return new RazorComponentResult<ToolsNotice>(new Dictionary<string, object?> { [nameof(ToolsNotice.Parsed)] = parsed });
        }
        catch (ToolSchemaException ex)
        {
            return new RazorComponentResult<ToolsNotice>(new Dictionary<string, object?> { [nameof(ToolsNotice.Error)] = ex.Message }) { StatusCode = 400 };
        }
    }

    private static IResult Result(int status, string message) =>
        new RazorComponentResult<RunResult>(new Dictionary<string, object?> { [nameof(RunResult.Error)] = message }) { StatusCode = status };
}
