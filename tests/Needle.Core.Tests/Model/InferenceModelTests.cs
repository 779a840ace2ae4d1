using Needle.Core.Checkpoints;
using Needle.Core.Kernels;
using Needle.Core.Model;

namespace Needle.Core.Tests.Model;

/// <summary>
/// The inference-only model (read from the file a layer at a time, prefill weights kept only packed, decoder only in
/// the decode precision) must compute exactly what the model built from a fully loaded checkpoint computes.
/// </summary>
public class InferenceModelTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Model");

    public static TheoryData<string, WeightPrecision> Cases => new()
    {
        { "rand_a.pkl", WeightPrecision.Float32 },
        { "rand_a_f16.pkl", WeightPrecision.Float16 },
        { "rand_b_proto5.pkl", WeightPrecision.Float16 },
        { "rand_c.pkl", WeightPrecision.Float32 },
        { "trained.pkl", WeightPrecision.Float16 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inference_model_is_bit_identical_to_the_fully_loaded_model(string file, WeightPrecision precision)
    {
        var path = Path.Combine(Dir, file);
        var full = SimpleAttentionNetwork.FromCheckpoint(CheckpointFile.Load(path), file, precision);
        SimpleAttentionNetwork lean;
        using (var checkpoint = StreamedCheckpoint.Open(path, deferThreshold: 1))
            lean = SimpleAttentionNetwork.ForInference(checkpoint, precision);
        Assert.Equal(full.DecodePrecision, lean.DecodePrecision);

        var rng = new Random(7);
        int vocab = full.Config.VocabSize;
        int[] Ids(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(3, vocab)).ToArray();
        int[][] sources = [Ids(11), Ids(6)];
        int[][] targets = [Ids(5), Ids(5)];

        using (var a = full.Encode(sources))
        using (var b = lean.Encode(sources))
        {
            Assert.Equal(((EncodedBatch)a).Output, ((EncodedBatch)b).Output);
            using var sa = full.StartDecoder(a);
            using var sb = lean.StartDecoder(b);
            var la = new float[2 * vocab];
            var lb = new float[2 * vocab];
            for (var i = 0; i < targets[0].Length; i++)
            {
                int[] step = [targets[0][i], targets[1][i]];
                full.DecodeStep(sa, step, la);
                lean.DecodeStep(sb, step, lb);
                Assert.Equal(la, lb);
            }
        }
        Assert.Equal(full.Forward(sources, targets).Data, lean.Forward(sources, targets).Data);
        Assert.Equal(full.EncodeContrastive(sources), lean.EncodeContrastive(sources));
    }
}
