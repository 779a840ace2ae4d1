using Needle.Core.Checkpoints;
using Needle.Core.Model;

namespace Needle.Core.Tests.Checkpoints;

/// <summary>Our writer: round trips through our reader, and Python's pickle + numpy load what we write.</summary>
public sealed class CheckpointRoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly NeedleConfig Tiny = new()
    {
        VocabSize = 24, DModel = 8, NumHeads = 2, NumKvHeads = 1, NumEncoderLayers = 2, NumDecoderLayers = 1, ContrastiveDim = 4,
    };

    internal static CheckpointData RandomCheckpoint(NeedleConfig config, int seed)
    {
        var rng = new Random(seed);
        var leaves = new Dictionary<string, NdArray>(StringComparer.Ordinal);
        foreach (var spec in NeedleParameterLayout.For(config))
        {
            var data = new float[spec.Count];
            for (var i = 0; i < data.Length; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * Math.Pow(10, rng.Next(-6, 3)));
            leaves[spec.Path] = new NdArray(spec.Shape, data);
        }
        var cfg = new Dictionary<string, object?>
        {
            ["vocab_size"] = (long)config.VocabSize, ["d_model"] = (long)config.DModel, ["num_heads"] = (long)config.NumHeads,
            ["num_kv_heads"] = (long)config.NumKvHeads, ["num_encoder_layers"] = (long)config.NumEncoderLayers,
            ["num_decoder_layers"] = (long)config.NumDecoderLayers, ["contrastive_dim"] = (long)config.ContrastiveDim,
            ["dtype"] = "bfloat16", ["rope_theta"] = 10000.0, ["no_feedforward"] = true, ["dropout_rate"] = null,
        };
        return new CheckpointData { Params = leaves, Config = cfg, Extra = new Dictionary<string, object?> { ["pretrain_step"] = 5_000_000_000L } };
    }

    [Theory]
    [InlineData(NdDType.Float16)]
    [InlineData(NdDType.BFloat16)]
    [InlineData(NdDType.Float32)]
    public void Save_then_load_gives_the_narrowed_values_back(NdDType leafType)
    {
        var original = RandomCheckpoint(Tiny, 1);
        var path = Path.Combine(_dir, "a.pkl");
        CheckpointFile.Save(path, original, leafType);
        var loaded = CheckpointFile.Load(path);

        Assert.Equal(original.Params.Keys.Order(StringComparer.Ordinal), loaded.Params.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, leaf) in original.Params)
        {
            var got = loaded.Params[name];
            Assert.Equal(leaf.Shape, got.Shape);
            Assert.Equal(leafType, got.StoredAs);
            var narrowed = leaf.Data.Select(v => leafType switch
            {
                NdDType.Float16 => FloatBits.HalfToSingle(FloatBits.SingleToHalf(v)),
                NdDType.BFloat16 => FloatBits.BFloat16ToSingle(FloatBits.SingleToBFloat16(v)),
                _ => v,
            });
            Assert.Equal(narrowed, got.Data);
        }
        Assert.Equal(original.Config, loaded.Config);
        Assert.Equal(original.Config.Keys, loaded.Config.Keys);
        Assert.Equal(5_000_000_000L, loaded.Extra["pretrain_step"]);
        Assert.True(CheckpointValidator.Check(loaded, Tiny).IsValid);
    }

    [Fact]
    public void Python_pickle_and_numpy_load_what_we_write()
    {
        var data = RandomCheckpoint(Tiny, 2);
        var pkl = Path.Combine(_dir, "ours.pkl");
        var json = Path.Combine(_dir, "ours.json");
        CheckpointFile.Save(pkl, data);
        PickleFixtures.WriteExpected(json, data.Params, "float16", data.Config, data.Extra);

        var (exit, output) = PythonProcess.Run(PickleFixtures.Script, "check", pkl, json);
        Assert.True(exit == 0, output);
        Assert.Contains("OK 31 arrays", output);
    }

    [Fact]
    public void Python_float32_leaves_load_too()
    {
        var data = RandomCheckpoint(Tiny, 3);
        var pkl = Path.Combine(_dir, "f32.pkl");
        var json = Path.Combine(_dir, "f32.json");
        CheckpointFile.Save(pkl, data, NdDType.Float32);
        PickleFixtures.WriteExpected(json, data.Params, "float32", data.Config, data.Extra);
        var (exit, output) = PythonProcess.Run(PickleFixtures.Script, "check", pkl, json);
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void The_python_check_fails_when_a_value_differs()
    {
        // Guards the guard: the checker must notice a wrong value, or the interop test above proves nothing.
        var data = RandomCheckpoint(Tiny, 4);
        var pkl = Path.Combine(_dir, "x.pkl");
        var json = Path.Combine(_dir, "x.json");
        CheckpointFile.Save(pkl, data);
        var tampered = data.Params.ToDictionary(kv => kv.Key, kv => kv.Value);
        var emb = tampered[NeedleParameterLayout.Embedding];
        var values = (float[])emb.Data.Clone();
        values[7] += 1f;
        tampered[NeedleParameterLayout.Embedding] = emb with { Data = values };
        PickleFixtures.WriteExpected(json, tampered, "float16", data.Config, data.Extra);

        var (exit, output) = PythonProcess.Run(PickleFixtures.Script, "check", pkl, json);
        Assert.NotEqual(0, exit);
        Assert.Contains("embedding/embedding: 1 values differ", output);
    }

    [Fact]
    public void Saved_param_keys_are_sorted_like_jax_and_the_file_is_protocol_4()
    {
        var path = Path.Combine(_dir, "s.pkl");
        CheckpointFile.Save(path, RandomCheckpoint(Tiny, 5));
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x80, 4 }, bytes[..2]);
        var top = (Core.Checkpoints.Pickle.PyDict)Core.Checkpoints.Pickle.Unpickler.Load(bytes)!;
        Assert.Equal(["params", "config", "pretrain_step"], top.Items.Select(kv => (string)kv.Key!));
        Assert.True(top.TryGetValue("params", out var p));
        var keys = ((Core.Checkpoints.Pickle.PyDict)p!).Items.Select(kv => (string)kv.Key!).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(["contrastive_hidden", "contrastive_proj", "decoder", "embedding", "encoder", "log_temp"], keys);
    }

    [Fact]
    public void Save_is_atomic_and_replaces_an_existing_file_without_leaving_temp_files()
    {
        var path = Path.Combine(_dir, "sub", "c.pkl");
        CheckpointFile.Save(path, RandomCheckpoint(Tiny, 6));
        CheckpointFile.Save(path, RandomCheckpoint(Tiny, 7));
        Assert.Equal([path], Directory.GetFiles(Path.Combine(_dir, "sub")));
        var again = CheckpointFile.Load(path);
        Assert.Equal(RandomCheckpoint(Tiny, 7).Params["log_temp"].Data.Select(v => FloatBits.HalfToSingle(FloatBits.SingleToHalf(v))), again.Params["log_temp"].Data);
    }

    [Fact]
    public void LoadValidated_returns_the_merged_config_or_names_the_file_and_the_problem()
    {
        var good = Path.Combine(_dir, "good.pkl");
        CheckpointFile.Save(good, RandomCheckpoint(Tiny, 8));
        var (data, config) = CheckpointFile.LoadValidated(good);
        Assert.Equal(Tiny, config); // the stored keys merged over the defaults
        Assert.Equal(31, data.Params.Count);

        var leaves = RandomCheckpoint(Tiny, 8).Params.Where(kv => kv.Key != "log_temp").ToDictionary();
        var missing = Path.Combine(_dir, "missing.pkl");
        CheckpointFile.Save(missing, new CheckpointData { Params = leaves, Config = RandomCheckpoint(Tiny, 8).Config });
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.LoadValidated(missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("missing 1: log_temp", e.Message);

        var badType = Path.Combine(_dir, "badtype.pkl");
        CheckpointFile.Save(badType, new CheckpointData { Params = leaves, Config = new Dictionary<string, object?> { ["d_model"] = "wide" } });
        e = Assert.Throws<InvalidDataException>(() => CheckpointFile.LoadValidated(badType));
        Assert.Contains(badType, e.Message);
        Assert.Contains("wrong type", e.Message);
    }

    [Fact]
    public void Save_rejects_caller_bugs_with_argument_exceptions()
    {
        var path = Path.Combine(_dir, "bad.pkl");
        var badShape = new CheckpointData { Params = new Dictionary<string, NdArray> { ["w"] = new([2, 2], [1f, 2f, 3f]) }, Config = new Dictionary<string, object?>() };
        Assert.Throws<ArgumentException>(() => CheckpointFile.Save(path, badShape));
        var clash = new CheckpointData
        {
            Params = new Dictionary<string, NdArray> { ["a"] = new([1], [1f]), ["a/b"] = new([1], [1f]) },
            Config = new Dictionary<string, object?>(),
        };
        Assert.Throws<ArgumentException>(() => CheckpointFile.Save(path, clash));
        var badConfig = new CheckpointData { Params = new Dictionary<string, NdArray>(), Config = new Dictionary<string, object?> { ["x"] = new object() } };
        Assert.Throws<ArgumentException>(() => CheckpointFile.Save(path, badConfig));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
