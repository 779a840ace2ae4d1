using Needle.Playground.Components;
using Needle.Playground.Hubs;

namespace Needle.Playground.Hosting;

/// <summary>Wires the web app: one Add/Use pair, so Program.cs stays a table of contents.</summary>
public static class PlaygroundHost
{
    /// <summary>
    /// The content root is the repository's top level (where appsettings.json and wwwroot/ live) when running from
    /// a clone, or the app folder when published. An explicit --contentRoot (tests) wins.
    /// </summary>
    public static WebApplicationOptions Options(string[] args)
    {
        var explicitRoot = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase));
        return new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = explicitRoot ? null : ContentRoot.Find(),
        };
    }

    public static WebApplicationBuilder AddPlayground(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddSignalR();
        builder.Services.AddHealthChecks();
        builder.Services.AddAntiforgery();
        return builder;
    }

    public static WebApplication UsePlayground(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseStaticFiles();
        app.UseAntiforgery();
        app.MapHealthChecks("/healthz");
        app.MapHub<JobsHub>(JobsHub.Path);
        app.MapRazorComponents<App>();
        return app;
    }
}
