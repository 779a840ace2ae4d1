using Needle.Core.Model;

namespace Needle.Core.Tests.Model;

public sealed class NeedleConfigTests
{
    [Fact]
    public void File_keys_merge_over_upstream_defaults()
    {
        var config = NeedleConfig.FromDictionary(new Dictionary<string, object?>
        {
            ["d_model"] = 512L, ["num_heads"] = 8L, ["num_kv_heads"] = 4L, ["num_encoder_layers"] = 12L,
            ["num_decoder_layers"] = 8L, ["dtype"] = "bfloat16", ["unknown_key"] = "ignored",
        });
        Assert.Equal(512, config.DModel);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(8192, config.VocabSize);       // default: not in the file
        Assert.Equal(0.1, config.DropoutRate);      // default dropout upstream trains with
        Assert.True(config.NoFeedforward);
        Assert.Equal(NeedleConfig.Needle26M with { DFf = 512, MaxSeqLen = 128 }, config);
    }

    [Fact]
    public void Round_trip_through_the_python_dict_keeps_every_field()
    {
        var config = NeedleConfig.Needle26M with { DropoutRate = 0.0, RopeTheta = 5000.0 };
        var dict = config.ToDictionary();
        Assert.Equal(NeedleConfig.Keys, dict.Keys.ToArray());
        Assert.Equal(config, NeedleConfig.FromDictionary(dict));
    }

    [Theory]
    [InlineData(510L, 8L, 4L, "d_model")]
    [InlineData(512L, 8L, 3L, "num_kv_heads")]
    public void Impossible_shapes_are_rejected_naming_the_field(long dModel, long heads, long kvHeads, string field)
    {
        var ex = Assert.Throws<InvalidDataException>(() => NeedleConfig.FromDictionary(new Dictionary<string, object?>
        {
            ["d_model"] = dModel, ["num_heads"] = heads, ["num_kv_heads"] = kvHeads,
        }));
        Assert.Contains(field, ex.Message);
    }
}
