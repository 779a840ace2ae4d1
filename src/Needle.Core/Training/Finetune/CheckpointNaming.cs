using System.Globalization;

namespace Needle.Core.Training.Finetune;

/// <summary>
/// Upstream's finetune checkpoint names (needle-model.md §1.5):
/// <c>{experiment}_{encoder layers}_{d_model}_{step}.pkl</c> per epoch and <c>…_best.pkl</c>, with
/// experiment = <c>needle_finetuned_{yyyyMMddHHmmss}_{pid}</c>.
/// </summary>
public sealed record CheckpointNaming(string Directory, string Experiment, int NumLayers, int DModel)
{
    public static string ExperimentName(DateTimeOffset start, int processId) =>
        string.Create(CultureInfo.InvariantCulture, $"needle_finetuned_{start.UtcDateTime:yyyyMMddHHmmss}_{processId}");

    public string Prefix => string.Create(CultureInfo.InvariantCulture, $"{Experiment}_{NumLayers}_{DModel}");

    public string ForStep(int step) => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{Prefix}_{step}.pkl"));

    public string Best => Path.Combine(Directory, Prefix + "_best.pkl");
}
