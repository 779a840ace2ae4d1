using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Needle.Playground.Services;

public static class ServicesSetup
{
    /// <summary>The model catalog and the model seams. TryAdd: the model code registers its own IActiveModel and
    /// IGenerationService before this, or replaces them, and those win.</summary>
    public static WebApplicationBuilder AddModels(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IModelCatalog, ModelCatalog>();
        builder.Services.TryAddSingleton<IDatasetCatalog, DatasetCatalog>();
        builder.Services.TryAddSingleton<IActiveModel, RememberedActiveModel>();
        builder.Services.TryAddSingleton<IGenerationService, UnavailableGenerationService>();
        return builder;
    }
}
