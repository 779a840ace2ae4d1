using System.Text.Json;
using Needle.Playground.Security;
using Needle.Playground.Services;

namespace Needle.Playground.Api;

/// <summary>POST /api/generate: validates like May's /generate, then asks <see cref="IGenerationService"/> (503 until a model runs).</summary>
public static class GenerateApi
{
    public const int MaxGenLenLimit = 4096;

    public static void MapGenerateApi(this IEndpointRouteBuilder app) => app.MapPost("/api/generate", GenerateAsync);

    private static async Task<IResult> GenerateAsync(HttpContext context, IGenerationService generation, CancellationToken ct)
    {
        var (body, error) = await RequestJson.ReadObjectAsync(context, ct);
        if (error is not null) return error;
        var (request, message) = Parse(body);
        if (request is null) return RequestJson.Bad(message!);
        if (generation.NotReadyReason is { } reason) return ApiError.Result(StatusCodes.Status503ServiceUnavailable, reason);
        try
        {
            return Results.Ok(await generation.GenerateAsync(request, ct));
        }
        catch (ModelNotLoadedException ex)
        {
            return ApiError.Result(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return RequestJson.Bad(ex.Message);
        }
    }

    /// <summary>May's rules: query required; tools a JSON array or a string holding one; seed and max_gen_len clamped.</summary>
    public static (GenerateRequest? Request, string? Error) Parse(JsonElement body)
    {
        var query = RequestJson.OptionalString(body, "query");
        if (string.IsNullOrWhiteSpace(query)) return (null, "query is required");

        JsonElement tools;
        if (!body.TryGetProperty("tools", out var t) || t.ValueKind == JsonValueKind.Null) tools = JsonDocument.Parse("[]").RootElement.Clone();
        else if (t.ValueKind == JsonValueKind.Array) tools = t.Clone();
        else if (t.ValueKind == JsonValueKind.String)
        {
            try { tools = JsonDocument.Parse(string.IsNullOrWhiteSpace(t.GetString()) ? "[]" : t.GetString()!).RootElement.Clone(); }
            catch (JsonException) { return (null, "tools must be valid JSON"); }
            if (tools.ValueKind != JsonValueKind.Array) return (null, "tools must be a JSON array");
        }
        else return (null, "tools must be a JSON string or array");

        if (!TryInt(body, "seed", 0, out var seed)) return (null, "seed must be an integer");
        if (!TryInt(body, "maxGenLen", 512, out var maxGenLen) || !TryInt(body, "max_gen_len", maxGenLen, out maxGenLen))
            return (null, "max_gen_len must be an integer");
        if (!TryBool(body, "constrained", true, out var constrained) || !TryBool(body, "structured", false, out var structured))
            return (null, "boolean field is invalid");
        return (new GenerateRequest(query, tools, Math.Clamp(seed, 0, int.MaxValue), Math.Clamp(maxGenLen, 1, MaxGenLenLimit), constrained, structured), null);
    }

    // true/false, or "true"/"1"/"yes"/"on" and "false"/"0"/"no"/"off".
    private static bool TryBool(JsonElement body, string name, bool fallback, out bool value)
    {
        value = fallback;
        if (!body.TryGetProperty(name, out var c)) return true;
        if (c.ValueKind is JsonValueKind.True or JsonValueKind.False) { value = c.GetBoolean(); return true; }
        if (c.ValueKind == JsonValueKind.String && c.GetString()!.Trim().ToLowerInvariant() is var s && (s is "true" or "1" or "yes" or "on" or "false" or "0" or "no" or "off"))
        {
            value = s is "true" or "1" or "yes" or "on";
            return true;
        }
        return false;
    }

    private static bool TryInt(JsonElement body, string name, int fallback, out int value)
    {
        value = fallback;
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return true;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var l)) return false;
        value = (int)Math.Clamp(l, int.MinValue, int.MaxValue);
        return true;
    }
}
