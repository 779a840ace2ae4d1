namespace Needle.Playground.Security;

/// <summary>Every error the app answers outside a page has this shape: <c>{"error": "..."}</c> with a real status code.</summary>
public sealed record ApiError(string Error)
{
    public static IResult Result(int status, string message) => Results.Json(new ApiError(message), statusCode: status);

    public static Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(message));
    }
}
