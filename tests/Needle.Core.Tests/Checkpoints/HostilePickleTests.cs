using Needle.Core.Checkpoints;

namespace Needle.Core.Tests.Checkpoints;

/// <summary>Malicious, corrupt and truncated files fail with a clear exception: no code runs, no crash, no hang.</summary>
public sealed class HostilePickleTests
{
    [Theory]
    [InlineData("hostile_os_system.pkl", "posix.system")]
    [InlineData("hostile_eval_p2.pkl", "__builtin__.eval")]
    public void Files_that_would_run_code_in_python_are_refused_naming_the_global(string file, string global)
    {
        var path = PickleFixtures.File(file);
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path));
        Assert.Contains($"'{global}'", e.Message);
        Assert.Contains("not allowed", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Hand_made_stack_global_to_builtins_exec_is_refused()
    {
        // PROTO 4, 'builtins' 'exec' STACK_GLOBAL, ('print(1)',) REDUCE STOP
        byte[] bytes = [0x80, 4, 0x8c, 8, .. "builtins"u8, 0x8c, 4, .. "exec"u8, 0x93, 0x8c, 8, .. "print(1)"u8, 0x85, (byte)'R', (byte)'.'];
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(bytes, "evil.pkl"));
        Assert.Contains("'builtins.exec'", e.Message);
        Assert.StartsWith("evil.pkl:", e.Message);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0x80, 4, 0x7d, 0x94 }, "truncated")]       // dict, no STOP
    [InlineData(new byte[] { 0x80, 4, 0xff, (byte)'.' }, "unknown opcode")]
    [InlineData(new byte[] { 0x80, 4, (byte)'N', (byte)'.' }, "top-level object is a None")]
    [InlineData(new byte[] { 0x80, 4, 0x7d, (byte)'.' }, "no \"params\"")]
    [InlineData(new byte[] { 0x80, 4, 0x7d, 0x8c, 6, (byte)'p', (byte)'a', (byte)'r', (byte)'a', (byte)'m', (byte)'s', (byte)'K', 1, (byte)'s', (byte)'.' }, "\"params\" is a int")]
    [InlineData(new byte[] { 0x80, 4, (byte)'h', 9, (byte)'.' }, "memo entry 9")]
    [InlineData(new byte[] { 0x80, 4, (byte)'u', (byte)'.' }, "MARK expected")]
    [InlineData(new byte[] { 0x80, 4, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, (byte)'.' }, "truncated")]
    public void Corrupt_streams_fail_with_a_clear_invalid_data_exception(byte[] bytes, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(bytes, "bad.pkl"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("bad.pkl:", e.Message);
    }

    [Fact]
    public void Many_arrays_reusing_one_buffer_through_the_memo_are_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(PickleFixtures.File("hostile_shared_buffer.pkl")));
        Assert.Contains("more data than the file", e.Message);
    }

    [Fact]
    public void One_array_object_under_two_names_loads_once()
    {
        var data = CheckpointFile.Load(PickleFixtures.File("shared_array.pkl"));
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], data.Params["a"].Data);
        Assert.Equal(data.Params["a"].Data, data.Params["b/c"].Data);
    }

    [Fact]
    public void Absurdly_nested_tuples_are_refused_instead_of_overflowing_the_stack()
    {
        byte[] bytes = [0x80, 4, (byte)')', .. Enumerable.Repeat((byte)0x85, 5000), (byte)'.'];
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(bytes, "deep.pkl"));
        Assert.Contains("nested deeper", e.Message);
    }

    [Fact]
    public void A_missing_file_names_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "needle-no-such-" + Guid.NewGuid() + ".pkl");
        var e = Assert.Throws<FileNotFoundException>(() => CheckpointFile.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Every_truncation_of_a_real_checkpoint_fails_cleanly()
    {
        var bytes = File.ReadAllBytes(PickleFixtures.File("tiny_p4.pkl"));
        // Every cut in the header and the last bytes, a fixed stride in between (keeps the test well under a second).
        var cuts = Enumerable.Range(0, 300).Concat(Enumerable.Range(300, bytes.Length - 300).Where(n => n % 29 == 0 || n > bytes.Length - 50));
        foreach (var n in cuts)
        {
            var cut = bytes[..n];
            var e = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(cut, "cut.pkl"));
            Assert.StartsWith("cut.pkl:", e.Message);
        }
    }

    [Theory]
    [InlineData("tiny_p2.pkl", 1)]
    [InlineData("tiny_p4.pkl", 2)]
    [InlineData("tiny_p5.pkl", 3)]
    [InlineData("dtypes_p4.pkl", 4)]
    [InlineData("values_p0.pkl", 5)]
    [InlineData("values_p4.pkl", 6)]
    public void Random_byte_mutations_load_or_fail_with_invalid_data_or_not_supported(string file, int seed)
    {
        var original = File.ReadAllBytes(PickleFixtures.File(file));
        var rng = new Random(seed);
        int loaded = 0, rejected = 0;
        for (var trial = 0; trial < 400; trial++)
        {
            var bytes = (byte[])original.Clone();
            var flips = rng.Next(1, 5);
            for (var k = 0; k < flips; k++) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            try
            {
                CheckpointFile.Load(bytes, "fuzz.pkl");
                loaded++;
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                Assert.StartsWith("fuzz.pkl:", e.Message);
                rejected++;
            }
        }
        Assert.Equal(400, loaded + rejected);
        Assert.True(rejected > 0, "no mutation was rejected: the fuzzer is not reaching the parser");
    }
}
