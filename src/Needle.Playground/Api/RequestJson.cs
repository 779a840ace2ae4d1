using System.Text.Json;
using Needle.Playground.Security;

namespace Needle.Playground.Api;

/// <summary>Reads a JSON object body with May's error messages (the size limit was checked by ClientGuardMiddleware).</summary>
public static class RequestJson
{
    public static async Task<(JsonElement Body, IResult? Error)> ReadObjectAsync(HttpContext context, CancellationToken ct)
    {
        if (context.Request.ContentLength == 0) return (default, Bad("empty request body"));
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: ct);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return (default, Bad("JSON body must be an object"));
            return (doc.RootElement.Clone(), null);
        }
        catch (JsonException)
        {
            return (default, Bad("invalid JSON"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, ApiError.Result(413, ex.Message));
        }
    }

    public static IResult Bad(string message) => ApiError.Result(StatusCodes.Status400BadRequest, message);

    public static string? OptionalString(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
