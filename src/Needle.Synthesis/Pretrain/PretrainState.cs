using System.Text.Json;
using System.Text.Json.Serialization;
using Needle.Core.Data;

namespace Needle.Synthesis.Pretrain;

/// <summary>
/// The resume file (pretrain-state.json) written after every segment: which preset and seed, how many segments and
/// steps are done, how far into the corpus stream training has read, and the checkpoint to continue from. Optimizer
/// moments are not kept: every segment starts its optimizer afresh (a warm restart), resumed or not, so a resumed run
/// is bit-identical to an uninterrupted one.
/// </summary>
public sealed record PretrainState
{
    public const string FileName = "pretrain-state.json";

    [JsonPropertyName("preset")] public required string Preset { get; init; }
    [JsonPropertyName("seed")] public required int Seed { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("segments_done")] public required int SegmentsDone { get; init; }
    [JsonPropertyName("steps_done")] public required int StepsDone { get; init; }
    [JsonPropertyName("corpus_position")] public required long CorpusPosition { get; init; }
    [JsonPropertyName("checkpoint")] public required string Checkpoint { get; init; }
    [JsonPropertyName("train_seconds")] public double TrainSeconds { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public void Save(string directory) => AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Options));

    public static PretrainState? Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<PretrainState>(File.ReadAllText(path), Options)
                   ?? throw new InvalidDataException($"{path}: empty state file.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a pretrain state file ({e.Message}).", e);
        }
    }
}
