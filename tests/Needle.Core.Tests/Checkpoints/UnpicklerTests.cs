using Needle.Core.Checkpoints.Pickle;

namespace Needle.Core.Tests.Checkpoints;

/// <summary>Plain Python values pickled by Python in protocols 0-5 (values_pN.pkl) read back as written.</summary>
public sealed class UnpicklerTests
{
    private static object? Get(PyDict d, string key) => d.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Python_values_in_every_protocol_read_back(int protocol)
    {
        var d = Assert.IsType<PyDict>(Unpickler.Load(File.ReadAllBytes(PickleFixtures.File($"values_p{protocol}.pkl"))));
        // The inputs below are the literal values pickle_interop.py pickled.
        Assert.Equal(new object?[] { 1L, 2L, 3L }, Assert.IsType<List<object?>>(Get(d, "list")));
        Assert.Equal(new PyTuple([1L, "a", null]), Get(d, "tuple"));
        Assert.Equal(new PyTuple([1L, 2L, 3L, 4L]), Get(d, "tuple4"));
        var nested = Assert.IsType<List<object?>>(Get(d, "nested"));
        Assert.Empty(Assert.IsType<List<object?>>(nested[0]));
        Assert.Equal(0, Assert.IsType<PyDict>(nested[1]).Count);
        Assert.Equal(PyTuple.Empty, nested[2]);
        Assert.Equal(-1L, Get(d, "neg"));
        Assert.Equal((long)int.MinValue, Get(d, "int32"));
        Assert.Equal(long.MinValue, Get(d, "int64"));
        Assert.Equal(65535L, Get(d, "u16"));
        Assert.Equal(1.5, Get(d, "float"));
        Assert.True(double.IsNegative((double)Get(d, "nan_like")!));
        Assert.Equal(new byte[] { 0, 255 }, Get(d, "bytes"));
        var longBytes = Assert.IsType<byte[]>(Get(d, "long_bytes"));
        Assert.Equal(Enumerable.Range(0, 256).Concat(Enumerable.Range(0, 256)).Select(i => (byte)i), longBytes);
        Assert.Equal("ab"u8.ToArray(), Get(d, "bytearray"));
        Assert.Equal(new object?[] { 1L }, Assert.IsType<PySet>(Get(d, "set")).Items);
        Assert.Empty(Assert.IsType<PySet>(Get(d, "frozenset")).Items);
        Assert.Equal(true, Get(d, "true"));
        Assert.Equal(false, Get(d, "false"));
        Assert.Null(Get(d, "none"));
        Assert.Equal("\u00e9\u2713 \U0001F600", Get(d, "uni"));
        Assert.Equal(new string('x', 300), Get(d, "long_str"));
        Assert.Same(Get(d, "shared_a"), Get(d, "shared_b")); // memo: one object, referenced twice
        var od = Assert.IsType<PyDict>(Get(d, "odict"));
        Assert.Equal(new object?[] { "z", "a" }, od.Items.Select(kv => kv.Key));
    }

    [Fact]
    public void Our_pickler_output_reads_back_through_our_unpickler()
    {
        var d = new PyDict();
        d.Set("i", new List<object?> { 0L, 255L, 256L, 65535L, 65536L, -1L, int.MaxValue + 1L, long.MinValue, long.MaxValue });
        d.Set("s", new string('é', 200));
        d.Set("t", new PyTuple([1L, 2L, 3L, 4L, 5L]));
        d.Set("f", -2.5e-300);
        d.Set("b", new byte[300]);
        var back = Assert.IsType<PyDict>(Unpickler.Load(Pickler.Dumps(d)));
        Assert.Equal((List<object?>)Get(d, "i")!, Assert.IsType<List<object?>>(Get(back, "i")));
        Assert.Equal(Get(d, "s"), Get(back, "s"));
        Assert.Equal(Get(d, "t"), Get(back, "t"));
        Assert.Equal(Get(d, "f"), Get(back, "f"));
        Assert.Equal((byte[])Get(d, "b")!, Get(back, "b"));
    }
}
