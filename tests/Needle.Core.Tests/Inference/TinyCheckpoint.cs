using Needle.Core.Checkpoints;
using Needle.Core.Model;

namespace Needle.Core.Tests.Inference;

/// <summary>
/// A small random Needle checkpoint written as a real .pkl, next to the fixture BPE tokenizer (600 pieces) as
/// needle.model, so tests can run the whole load → generate path. Shared with the CLI tests.
/// </summary>
internal static class TinyCheckpoint
{
    public static readonly NeedleConfig Config = new()
    {
        VocabSize = 600, DModel = 32, NumHeads = 4, NumKvHeads = 2, NumEncoderLayers = 2, NumDecoderLayers = 2, ContrastiveDim = 16,
    };

    public static string TokenizerFixture(string testBaseDirectory) =>
        Path.Combine(testBaseDirectory, "Fixtures", "Generation", "bpe-600.model");

    /// <summary>Writes dir/needle.pkl (and dir/needle.model when a tokenizer is given); returns the checkpoint path.</summary>
    public static string Write(string dir, int seed, string? tokenizerModel)
    {
        var rng = new Random(seed);
        var leaves = new Dictionary<string, NdArray>();
        foreach (var p in NeedleParameterLayout.For(Config))
        {
            var data = new float[p.Count];
            for (int i = 0; i < data.Length; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * 0.6);
            leaves[p.Path] = new NdArray(p.Shape, data);
        }
        var path = Path.Combine(dir, "needle.pkl");
        CheckpointFile.Save(path, new CheckpointData { Params = leaves, Config = Config.ToDictionary() });
        if (tokenizerModel is not null) File.Copy(tokenizerModel, Path.Combine(dir, "needle.model"), overwrite: true);
        return path;
    }
}
