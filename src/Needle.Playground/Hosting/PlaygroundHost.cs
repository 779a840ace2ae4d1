using Needle.Playground.Api;
using Needle.Playground.Components;
using Needle.Playground.Hubs;
using Needle.Playground.Jobs;
using Needle.Playground.Models;
using Needle.Playground.Finetune;
using Needle.Playground.Options;
using Needle.Playground.Security;
using Needle.Playground.Services;

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
        builder.UseDefaultAddress();
        builder.AddPlaygroundOptions();
        builder.Services.AddRazorComponents();
        builder.Services.AddSignalR().AddJsonProtocol(o => JsonDefaults.Configure(o.PayloadSerializerOptions));
        builder.Services.ConfigureHttpJsonOptions(o => JsonDefaults.Configure(o.SerializerOptions));
        builder.Services.AddHealthChecks();
        builder.Services.AddAntiforgery();
        builder.AddJobs();
        builder.AddModels();
        builder.AddNeedleModel();
        return builder;
    }

    /// <summary>
    /// Listens on Needle:Url (http://127.0.0.1:7860) unless an address was given another way: --urls, the
    /// ASPNETCORE_URLS / URLS environment variables, or Kestrel:Endpoints. (Kestrel:Endpoints in appsettings.json
    /// would silently override --urls, so the default lives under our own key.)
    /// </summary>
    internal static void UseDefaultAddress(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        if (string.IsNullOrEmpty(config["urls"]) && !config.GetSection("Kestrel:Endpoints").Exists())
            builder.WebHost.UseUrls(config["Needle:Url"] ?? DefaultUrl);
    }

    public const string DefaultUrl = "http://127.0.0.1:7860";

    public static WebApplication UsePlayground(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseStaticFiles();
        app.UseRouting();
        app.UseMiddleware<ClientGuardMiddleware>();
        app.UseAntiforgery();
        app.MapHealthChecks("/healthz");
        app.MapHub<JobsHub>(JobsHub.Path).RequireLoopback().RequireSameOrigin();
        app.MapJobsApi();
        app.MapModelsApi();
        app.MapDatasetsApi();
        app.MapGenerateApi();
        app.MapUiActions();
        app.MapPlaygroundUi();
        app.MapFinetuneUi();
        app.MapRazorComponents<App>();
        return app;
    }
}
