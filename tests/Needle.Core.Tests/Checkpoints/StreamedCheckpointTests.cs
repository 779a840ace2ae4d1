using Needle.Core.Checkpoints;
using Needle.Core.Checkpoints.Pickle;

namespace Needle.Core.Tests.Checkpoints;

/// <summary>
/// The inference loader's deferred reading: array data left in the file and read a slice at a time must give exactly
/// the float32 values the in-memory loader gives, for every pickle protocol, dtype, byte order and memory order.
/// </summary>
public sealed class StreamedCheckpointTests
{
    public static TheoryData<string> ArrayFixtures => new()
    {
        "tiny_p2.pkl", "tiny_p4.pkl", "tiny_p5.pkl", "tiny_numpy2_p4.pkl", "tiny_numpy2_p5.pkl",
        "dtypes_p2.pkl", "dtypes_p4.pkl", "dtypes_p5.pkl", "bfloat16_p4.pkl", "pretrain_like_p4.pkl", "shared_array.pkl",
    };

    private static Dictionary<string, object> DeferredLeaves(FileStream file, long threshold)
    {
        var (paramsDict, _, _) = CheckpointFile.SplitTop(Unpickler.LoadDeferred(file, threshold));
        var leaves = new Dictionary<string, object>(StringComparer.Ordinal);
        CheckpointFile.Flatten(paramsDict, "", 0, (path, leaf) => leaves[path] = leaf);
        return leaves;
    }

    [Theory]
    [MemberData(nameof(ArrayFixtures))]
    public void Deferred_arrays_read_back_bit_identical_to_the_in_memory_loader(string fixture)
    {
        var path = PickleFixtures.File(fixture);
        var eager = CheckpointFile.Load(path);
        foreach (var threshold in new long[] { 1, 1 << 30 }) // every payload left in the file; none
        {
            using var file = File.OpenRead(path);
            var leaves = DeferredLeaves(file, threshold);
            Assert.Equal(eager.Params.Keys.Order(StringComparer.Ordinal), leaves.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, leaf) in leaves)
            {
                var expected = eager.Params[name].Data;
                if (leaf is not NumpyArray array) { Assert.Equal(expected[0], (float)(double)leaf); continue; }
                var all = new float[array.Count];
                array.ReadSingles(0, all);
                Assert.Equal(BitsOf(expected), BitsOf(all));
                if (all.Length >= 3) // a slice from the middle reads only its own range
                {
                    var part = new float[all.Length - 2];
                    array.ReadSingles(1, part);
                    Assert.Equal(BitsOf(expected.AsSpan(1, part.Length)), BitsOf(part));
                }
            }
        }
    }

    [Fact]
    public void Deferral_skips_payloads_so_they_are_not_in_memory()
    {
        using var file = File.OpenRead(PickleFixtures.File("tiny_p4.pkl"));
        var leaves = DeferredLeaves(file, 1);
        var array = Assert.IsType<NumpyArray>(leaves["embedding/embedding"]);
        Assert.True(array.RawLength > 0);
        // The data is read from the file on demand: once the file is closed it can no longer be read.
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => array.ReadSingles(0, new float[1]));
    }

    [Theory]
    [InlineData("tiny_p2.pkl")]
    [InlineData("tiny_p5.pkl")]
    public void Open_reads_config_shapes_and_values_like_LoadValidated(string fixture)
    {
        var path = PickleFixtures.File(fixture);
        var (data, config) = CheckpointFile.LoadValidated(path);
        using var streamed = StreamedCheckpoint.Open(path, deferThreshold: 1);
        Assert.Equal(config, streamed.Config);
        Assert.True(streamed.AllSixteenBit);
        foreach (var (name, leaf) in data.Params)
        {
            Assert.Equal(leaf.Shape, streamed.Shape(name));
            Assert.Equal(leaf.StoredAs, streamed.StoredAs(name));
            Assert.Equal(BitsOf(leaf.Data), BitsOf(streamed.Read(name)));
        }
    }

    [Fact]
    public void A_truncated_file_is_an_error_naming_it()
    {
        var bytes = File.ReadAllBytes(PickleFixtures.File("tiny_p4.pkl"));
        var dir = Directory.CreateTempSubdirectory("needle-streamed-");
        try
        {
            var cut = Path.Combine(dir.FullName, "cut.pkl");
            foreach (var length in new[] { 0, 10, bytes.Length / 2, bytes.Length - 1 })
            {
                File.WriteAllBytes(cut, bytes[..length]);
                var e = Assert.Throws<InvalidDataException>(() => StreamedCheckpoint.Open(cut, deferThreshold: 1).Dispose());
                Assert.Contains("cut.pkl", e.Message);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_hostile_global_is_refused_and_a_missing_file_reported()
    {
        var e = Assert.Throws<InvalidDataException>(() => StreamedCheckpoint.Open(PickleFixtures.File("hostile_os_system.pkl")).Dispose());
        Assert.Contains("not allowed", e.Message);
        var missing = Path.Combine(Path.GetTempPath(), $"needle-missing-{Guid.NewGuid():N}.pkl");
        Assert.Throws<FileNotFoundException>(() => StreamedCheckpoint.Open(missing).Dispose());
    }

    [Fact]
    public void A_parameter_of_the_wrong_shape_is_reported_like_the_in_memory_loader()
    {
        var data = CheckpointFile.Load(PickleFixtures.File("tiny_p4.pkl"));
        var leaves = data.Params.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        leaves["embedding/embedding"] = new NdArray([3, 2], new float[6]);
        leaves.Remove("log_temp");
        var dir = Directory.CreateTempSubdirectory("needle-streamed-");
        try
        {
            var bad = Path.Combine(dir.FullName, "bad.pkl");
            CheckpointFile.Save(bad, new CheckpointData { Params = leaves, Config = data.Config });
            var e = Assert.Throws<InvalidDataException>(() => StreamedCheckpoint.Open(bad).Dispose());
            Assert.Contains("'embedding/embedding' has shape (3, 2)", e.Message);
            Assert.Contains("missing 'log_temp'", e.Message);
            Assert.Contains("bad.pkl", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static uint[] BitsOf(ReadOnlySpan<float> values)
    {
        var bits = new uint[values.Length];
        for (var i = 0; i < bits.Length; i++) bits[i] = BitConverter.SingleToUInt32Bits(values[i]);
        return bits;
    }
}
