using Microsoft.AspNetCore.Antiforgery;

namespace Needle.Playground.Security;

/// <summary>
/// Validates the antiforgery token of a page's post. htmx sends it as the RequestVerificationToken header (app.js
/// adds it to every request from the meta tag), which also spares reading a large multipart body to find it.
/// </summary>
public sealed class AntiforgeryFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public const string Message = "The form's antiforgery token is missing or invalid. Reload the page and try again.";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!await antiforgery.IsRequestValidAsync(context.HttpContext))
            return ApiError.Result(StatusCodes.Status400BadRequest, Message);
        return await next(context);
    }
}
