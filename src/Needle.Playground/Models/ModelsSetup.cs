using Needle.Playground.Jobs;
using Needle.Playground.Services;

namespace Needle.Playground.Models;

public static class ModelsSetup
{
    /// <summary>The real model services: replace the stand-ins (last registration wins), load the default in the background.</summary>
    public static WebApplicationBuilder AddNeedleModel(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NeedleActiveModel>();
        builder.Services.AddSingleton<IActiveModel>(sp => sp.GetRequiredService<NeedleActiveModel>());
        builder.Services.AddSingleton<NeedleGenerationService>();
        builder.Services.AddSingleton<IGenerationService>(sp => sp.GetRequiredService<NeedleGenerationService>());
        builder.Services.AddSingleton<RunHistory>();
        builder.Services.AddHostedService<DefaultModelLoader>();
        builder.Services.AddJobRunner<DownloadJobRunner>();
        builder.Services.AddJobRunner<Finetune.FinetuneJobRunner>();
        builder.Services.AddSingleton<Finetune.CompareService>();
        return builder;
    }
}
