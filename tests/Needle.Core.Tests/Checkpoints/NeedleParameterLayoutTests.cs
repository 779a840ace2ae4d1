using Needle.Core.Checkpoints;
using Needle.Core.Model;

namespace Needle.Core.Tests.Checkpoints;

public sealed class NeedleParameterLayoutTests
{
    [Fact]
    public void The_26M_layout_has_31_leaves_and_the_parameter_count_train_py_prints()
    {
        var layout = NeedleParameterLayout.For(NeedleConfig.Needle26M);
        Assert.Equal(31, layout.Count);
        Assert.Equal(31, layout.Select(p => p.Path).Distinct().Count());
        // needle-model.md §1.3: total 26,315,421; without the contrastive head 26,233,372 (the public audit's figure).
        Assert.Equal(26_315_421, NeedleParameterLayout.ParameterCount(NeedleConfig.Needle26M));
        Assert.Equal(26_233_372, layout.Where(p => !p.Path.StartsWith("contrastive", StringComparison.Ordinal) && p.Path != "log_temp").Sum(p => p.Count));
    }

    [Theory]
    [InlineData("embedding/embedding", new[] { 8192, 512 })]
    [InlineData("encoder/layers/EncoderBlock_0/self_attn/k_proj/kernel", new[] { 12, 512, 256 })]
    [InlineData("encoder/layers/EncoderBlock_0/self_attn/q_norm/scale", new[] { 12, 64 })]
    [InlineData("decoder/layers/DecoderBlock_0/cross_attn/out_proj/kernel", new[] { 8, 512, 512 })]
    [InlineData("decoder/layers/DecoderBlock_0/ZCRMSNorm_1/scale", new[] { 8, 512 })]
    [InlineData("decoder/ZCRMSNorm_0/scale", new[] { 512 })]
    [InlineData("contrastive_proj/kernel", new[] { 128, 128 })]
    [InlineData("log_temp", new int[0])]
    public void Shapes_match_the_spec_table(string path, int[] shape)
    {
        var spec = Assert.Single(NeedleParameterLayout.For(NeedleConfig.Needle26M), p => p.Path == path);
        Assert.Equal(shape, spec.Shape);
    }

    [Fact]
    public void Validator_accepts_an_exact_match_and_flags_every_kind_of_difference()
    {
        var config = new NeedleConfig { VocabSize = 16, DModel = 8, NumHeads = 2, NumKvHeads = 1, NumEncoderLayers = 1, NumDecoderLayers = 1, ContrastiveDim = 4 };
        var leaves = NeedleParameterLayout.For(config).ToDictionary(p => p.Path, p => new NdArray(p.Shape, new float[p.Count]));
        var data = new CheckpointData { Params = leaves, Config = config.ToDictionary() };
        Assert.True(CheckpointValidator.Check(data).IsValid);

        leaves.Remove("log_temp");
        leaves["embedding/embedding"] = new NdArray([16, 9], new float[144]);
        leaves["surprise"] = new NdArray([1], [0f]);
        var check = CheckpointValidator.Check(data, config);
        Assert.Equal(["log_temp"], check.Missing);
        Assert.Equal("embedding/embedding", Assert.Single(check.WrongShape).Path);
        Assert.Equal(["surprise"], check.Unexpected);
    }
}
