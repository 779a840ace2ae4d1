using Needle.Core.Checkpoints;
using Needle.Core.Model;

namespace Needle.Core.Tests.Checkpoints;

/// <summary>Files written by Python's pickle + numpy 1.24 (tools/reference/pickle_interop.py) load as Python sees them.</summary>
public sealed class CheckpointFixtureTests
{
    [Theory]
    [InlineData("tiny_p2.pkl")]
    [InlineData("tiny_p4.pkl")]
    [InlineData("tiny_p5.pkl")]
    [InlineData("tiny_numpy2_p4.pkl")] // numpy 2.x module names (numpy._core...)
    [InlineData("tiny_numpy2_p5.pkl")]
    public void Upstream_shaped_checkpoint_loads_with_every_value(string file)
    {
        var data = CheckpointFile.Load(PickleFixtures.File(file));
        var expected = PickleFixtures.ReadExpected("tiny_expected.json");

        Assert.Equal(expected.Params.Keys.Order(StringComparer.Ordinal), data.Params.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(31, data.Params.Count);
        foreach (var (path, leaf) in expected.Params)
        {
            var got = data.Params[path];
            Assert.Equal(leaf.Shape, got.Shape);
            Assert.Equal(NdDType.Float16, got.StoredAs);
            Assert.Equal(leaf.Values.Select(v => (float)v).ToArray(), got.Data);
        }
        Assert.Empty(data.Params["log_temp"].Shape);
        Assert.Single(data.Params["log_temp"].Data);
        Assert.Empty(data.Extra);
    }

    [Theory]
    [InlineData("tiny_p2.pkl")]
    [InlineData("tiny_p4.pkl")]
    [InlineData("tiny_p5.pkl")]
    public void Config_keeps_python_types_and_order_and_validates(string file)
    {
        var data = CheckpointFile.Load(PickleFixtures.File(file));
        var expected = PickleFixtures.ReadExpected("tiny_expected.json");
        Assert.Equal(expected.ConfigKeys, data.Config.Keys);
        Assert.Equal(16L, data.Config["d_model"]);
        Assert.Equal("bfloat16", data.Config["dtype"]);

        var config = NeedleConfig.FromDictionary(data.Config);
        var check = CheckpointValidator.Check(data, config);
        Assert.True(check.IsValid, check.ToString());
        Assert.Equal(NeedleParameterLayout.ParameterCount(config), data.Params.Values.Sum(p => p.Count));
    }

    [Theory]
    [InlineData("dtypes_p2.pkl")]
    [InlineData("dtypes_p4.pkl")]
    [InlineData("dtypes_p5.pkl")]
    public void Every_numeric_dtype_order_and_byte_order_converts_to_float32_c_order(string file)
    {
        var data = CheckpointFile.Load(PickleFixtures.File(file));
        var expected = PickleFixtures.ReadExpected("dtypes_expected.json");
        Assert.Equal(expected.Params.Count, data.Params.Count);
        foreach (var (path, leaf) in expected.Params)
        {
            var got = data.Params[path];
            Assert.Equal(leaf.Shape, got.Shape);
            // The JSON holds the values in C order as doubles; float32 conversion rounds to nearest like numpy.
            Assert.True(leaf.Values.Select(v => (float)v).SequenceEqual(got.Data), $"{path} values differ");
            var stored = leaf.DType switch { "float16" => NdDType.Float16, _ => NdDType.Float32 };
            Assert.Equal(stored, got.StoredAs);
        }
    }

    [Fact]
    public void Bfloat16_leaf_in_ml_dtypes_form_loads()
    {
        var data = CheckpointFile.Load(PickleFixtures.File("bfloat16_p4.pkl"));
        var leaf = PickleFixtures.ReadExpected("bfloat16_expected.json").Params["w"];
        var got = data.Params["w"];
        Assert.Equal(NdDType.BFloat16, got.StoredAs);
        Assert.Equal(leaf.Shape, got.Shape);
        Assert.Equal(leaf.Values.Select(v => (float)v).ToArray(), got.Data);
    }

    [Fact]
    public void Pretrain_like_file_keeps_extras_and_odd_config_values()
    {
        var data = CheckpointFile.Load(PickleFixtures.File("pretrain_like_p4.pkl"));
        Assert.Equal(123456L, data.Extra["pretrain_step"]);
        Assert.Equal(2L, data.Config["num_heads"]);          // np.int64 scalar
        Assert.Equal(1L << 40, data.Config["big_int"]);      // LONG1
        Assert.Equal(-5L, data.Config["negative"]);
        Assert.Equal("h\u00e9llo \u2713", data.Config["text"]);
        Assert.Null(data.Config["nothing"]);
        Assert.Equal(true, data.Config["no_feedforward"]);
        Assert.Equal(10000.0, data.Config["rope_theta"]);
        Assert.Equal("swiglu", data.Config["activation"]);
    }

    [Fact]
    public void Validator_names_missing_wrong_shape_and_unexpected_params()
    {
        var data = CheckpointFile.Load(PickleFixtures.File("pretrain_like_p4.pkl"));
        var check = CheckpointValidator.Check(data);
        Assert.False(check.IsValid);
        Assert.Equal(["contrastive_proj/kernel"], check.Missing);
        var wrong = Assert.Single(check.WrongShape);
        Assert.Equal("encoder/final_norm/scale", wrong.Path);
        Assert.Equal([16], wrong.Expected);
        Assert.Equal([15], wrong.Actual);
        Assert.Equal(["extra_head/kernel"], check.Unexpected);
        var e = Assert.Throws<InvalidDataException>(() => check.ThrowIfInvalid("x.pkl"));
        Assert.Contains("x.pkl", e.Message);
        Assert.Contains("contrastive_proj/kernel", e.Message);
        Assert.Contains("expected (16,), found (15,)", e.Message);
    }

    [Fact]
    public void Float16_rounding_matches_numpy_bit_for_bit()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(PickleFixtures.File("float16_rounding.json")));
        var inputs = doc.RootElement.GetProperty("float32_bits").EnumerateArray().Select(e => BitConverter.UInt32BitsToSingle(e.GetUInt32())).ToArray();
        var expected = doc.RootElement.GetProperty("float16_bits").EnumerateArray().Select(e => e.GetUInt16()).ToArray();
        Assert.Equal(expected, inputs.Select(FloatBits.SingleToHalf).ToArray());
        var bytes = new byte[inputs.Length * 2];
        FloatBits.SingleToHalf(inputs, bytes);
        Assert.Equal(expected, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes).ToArray());
    }

    [Fact]
    public void Bfloat16_rounding_matches_torch_bit_for_bit()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(PickleFixtures.File("bfloat16_rounding.json")));
        var inputs = doc.RootElement.GetProperty("float32_bits").EnumerateArray().Select(e => BitConverter.UInt32BitsToSingle(e.GetUInt32())).ToArray();
        var expected = doc.RootElement.GetProperty("bfloat16_bits").EnumerateArray().Select(e => e.GetUInt16()).ToArray();
        Assert.Equal(expected, inputs.Select(FloatBits.SingleToBFloat16).ToArray());
        Assert.True(float.IsNaN(FloatBits.BFloat16ToSingle(FloatBits.SingleToBFloat16(float.NaN))));
        Assert.True(float.IsNaN(FloatBits.BFloat16ToSingle(FloatBits.SingleToBFloat16(BitConverter.UInt32BitsToSingle(0x7F800001)))));
    }
}
