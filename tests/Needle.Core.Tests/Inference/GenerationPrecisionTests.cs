using System.Text.Json;
using Needle.Core.Checkpoints;
using Needle.Core.Inference;
using Needle.Core.Kernels;
using Needle.Core.Model;
using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Inference;

/// <summary>
/// The golden generations (computed in float32 by the PyTorch reference) with the reduced-precision decode weights:
/// which precisions reproduce every golden id sequence and string.
/// </summary>
public sealed class GenerationPrecisionTests
{
    private static string Dir => GenerationParityTests.Runtime.Dir;

    private static (JsonElement Golden, NeedleRuntime Runtime) Load(WeightPrecision precision)
    {
        var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "generation.json"))).RootElement;
        var checkpoint = Path.Combine(Dir, golden.GetProperty("checkpoint").GetString()!);
        var data = CheckpointFile.Load(checkpoint);
        if (data.Params.TryGetValue(NeedleParameterLayout.LogTemp, out var logTemp) && logTemp.Shape is [1])
            data = new CheckpointData
            {
                Params = new Dictionary<string, NdArray>(data.Params) { [NeedleParameterLayout.LogTemp] = logTemp with { Shape = [] } },
                Config = data.Config,
            };
        var model = SimpleAttentionNetwork.FromCheckpoint(data, checkpoint, precision);
        Assert.Equal(precision, model.DecodePrecision);
        var tokenizer = SentencePieceTokenizer.Load(Path.Combine(Dir, golden.GetProperty("tokenizer").GetString()!));
        return (golden, new NeedleRuntime(model, tokenizer, checkpoint));
    }

    /// <summary>(constrained?, query) of every case whose generated ids differ from the golden.</summary>
    private static List<string> Mismatches(WeightPrecision precision)
    {
        var (golden, rt) = Load(precision);
        using var _ = rt;
        var bad = new List<string>();
        foreach (var constrained in new[] { false, true })
        foreach (var c in golden.GetProperty("cases").EnumerateArray())
        {
            var options = new GenerationOptions
            {
                Constrained = constrained,
                MaxGenLen = golden.GetProperty("max_gen_len").GetInt32(),
                MaxEncLen = golden.GetProperty("max_enc_len").GetInt32(),
            };
            var r = rt.Generator.GenerateDetailed(c.GetProperty("query").GetString()!, c.GetProperty("tools").GetString()!, options);
            var g = c.GetProperty(constrained ? "constrained" : "unconstrained");
            var ids = g.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32());
            if (!ids.SequenceEqual(r.GeneratedIds) || g.GetProperty("text").GetString() != r.Text)
                bad.Add($"{(constrained ? "constrained" : "unconstrained")}: {c.GetProperty("query").GetString()}");
        }
        return bad;
    }

    [Fact]
    public void Float16_decode_weights_reproduce_every_golden_generation()
    {
        var bad = Mismatches(WeightPrecision.Float16);
        Assert.True(bad.Count == 0, $"Float16: {bad.Count} of 50 generations differ: {string.Join(" | ", bad)}");
    }

    /// <summary>
    /// Int8 is approximate: on this checkpoint 3 of the 50 generations differ (2026-11-22: "set an alarm for 7:00"
    /// unconstrained and constrained, "play the song Halo" constrained), which is why it is opt-in. The bound
    /// catches a broken int8 path (garbage output differs almost everywhere) without pinning the exact drift.
    /// </summary>
    [Fact]
    public void Int8_decode_weights_reproduce_most_golden_generations()
    {
        var bad = Mismatches(WeightPrecision.Int8);
        Assert.True(bad.Count <= 5, $"Int8: {bad.Count} of 50 generations differ: {string.Join(" | ", bad)}");
    }
}
