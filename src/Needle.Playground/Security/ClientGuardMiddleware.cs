using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Needle.Playground.Options;

namespace Needle.Playground.Security;

/// <summary>
/// The request checks that depend on the endpoint, in May's order: same origin first (every unsafe method, and the
/// hub), then loopback-only endpoints, then the body size limit (413 before anything is read).
/// </summary>
public sealed class ClientGuardMiddleware(RequestDelegate next, IOptionsMonitor<NeedleOptions> options)
{
    public const string CrossOrigin = "cross-origin requests are not allowed";
    public const string NotLocal = "this endpoint only accepts requests from this machine (loopback); set Needle:Security:AllowRemoteClients to open it";

    /// <summary>Room for multipart boundaries and headers around an uploaded file.</summary>
    public const long MultipartSlack = 64 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        var o = options.CurrentValue;
        var endpoint = context.GetEndpoint();
        var unsafeMethod = !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method));

        if ((unsafeMethod || endpoint?.Metadata.GetMetadata<SameOriginAttribute>() is not null) && !IsSameOrigin(context.Request, o.Security))
        {
            await ApiError.WriteAsync(context, StatusCodes.Status403Forbidden, CrossOrigin);
            return;
        }
        if (endpoint?.Metadata.GetMetadata<LoopbackOnlyAttribute>() is not null && !o.Security.AllowRemoteClients && !IsLoopback(context.Connection.RemoteIpAddress))
        {
            await ApiError.WriteAsync(context, StatusCodes.Status403Forbidden, NotLocal);
            return;
        }
        if (unsafeMethod)
        {
            var kind = endpoint?.Metadata.GetMetadata<BodyLimitAttribute>()?.Kind ?? BodyLimitKind.Json;
            var limit = Limit(o.Limits, kind);
            var allowed = kind == BodyLimitKind.Json ? limit : limit + MultipartSlack;
            if (context.Request.ContentLength > allowed)
            {
                await ApiError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, TooLarge(limit));
                return;
            }
            // Kestrel enforces it while reading a body without Content-Length (chunked).
            var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = allowed;
        }
        await next(context);
    }

    public static string TooLarge(long limit) => $"request body too large (max {limit} bytes)";

    public static long Limit(LimitOptions limits, BodyLimitKind kind) => kind switch
    {
        BodyLimitKind.Pkl => limits.PklBytes,
        BodyLimitKind.Jsonl => limits.JsonlBytes,
        _ => limits.JsonBytes,
    };

    /// <summary>127.0.0.1, ::1 and ::ffff:127.0.0.1. An unknown address (no TCP peer) is not loopback.</summary>
    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>
    /// No Origin header: a non-browser client, allowed. Otherwise the origin's host and port must equal the Host
    /// header's (default ports by scheme), or the origin must be listed in Needle:Security:AllowedOrigins.
    /// </summary>
    public static bool IsSameOrigin(HttpRequest request, SecurityOptions security)
    {
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin)) return true;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return false;
        if (security.AllowedOrigins.Any(a => Uri.TryCreate(a, UriKind.Absolute, out var allowed)
                && Uri.Compare(allowed, uri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0))
            return true;
        var host = request.Host;
        if (!host.HasValue) return false;
        var hostPort = host.Port ?? (request.IsHttps ? 443 : 80);
        return string.Equals(uri.Host, host.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == hostPort;
    }
}
