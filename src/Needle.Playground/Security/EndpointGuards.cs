namespace Needle.Playground.Security;

/// <summary>Endpoint metadata: only loopback clients (unless Needle:Security:AllowRemoteClients).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class LoopbackOnlyAttribute : Attribute;

/// <summary>Endpoint metadata: reject requests whose Origin header names another site, whatever the HTTP method.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class SameOriginAttribute : Attribute;

public enum BodyLimitKind { Json, Pkl, Jsonl }

/// <summary>Endpoint metadata: the largest request body, from Needle:Limits (JSON when absent).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class BodyLimitAttribute(BodyLimitKind kind) : Attribute
{
    public BodyLimitKind Kind { get; } = kind;
}

public static class EndpointGuardExtensions
{
    public static TBuilder RequireLoopback<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new LoopbackOnlyAttribute());

    public static TBuilder RequireSameOrigin<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SameOriginAttribute());

    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, BodyLimitKind kind) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimitAttribute(kind));

    /// <summary>For htmx and form posts from our pages: the antiforgery token (header or form field) must be valid.</summary>
    public static RouteHandlerBuilder RequireAntiforgeryToken(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<AntiforgeryFilter>();
}
