using Needle.Core.Json;
using Needle.Core.Tests.Training;

namespace Needle.Core.Tests.Json;

/// <summary>json.dumps in every mode the project uses (compact, ensure_ascii off, spaced, sort_keys, indent) against Python.</summary>
public sealed class PyJsonDumpModesTests
{
    [Fact]
    public void Dumps_matches_python_json_dumps_in_every_mode()
    {
        foreach (var c in TrainingFixtures.Data.GetProperty("json").EnumerateArray())
        {
            var v = PyJson.Loads(c.GetProperty("input").GetString()!);
            Assert.Equal(c.GetProperty("compact").GetString(), PyJson.Dumps(v));
            Assert.Equal(c.GetProperty("compact_unicode").GetString(), PyJson.Dumps(v, ",", ":", ensureAscii: false));
            Assert.Equal(c.GetProperty("default").GetString(), PyJson.DumpsSpaced(v));
            Assert.Equal(c.GetProperty("sorted").GetString(), PyJson.DumpsSorted(v));
            Assert.Equal(c.GetProperty("indent2").GetString(), PyJson.DumpsIndented(v));
        }
    }

    [Fact]
    public void Float_repr_matches_python()
    {
        foreach (var c in TrainingFixtures.Data.GetProperty("float_repr").EnumerateArray())
            Assert.Equal(c.GetProperty("repr").GetString(), PyJson.FloatRepr(c.GetProperty("value").GetDouble()));
    }

    [Fact]
    public void Invalid_json_that_python_rejects_is_rejected()
    {
        foreach (var s in TrainingFixtures.Data.GetProperty("json_invalid").EnumerateArray())
        {
            Assert.False(PyJson.TryLoads(s.GetString(), out _), s.GetString());
            Assert.Equal(s.GetString(), PyJson.CompactOrSame(s.GetString()!));
        }
    }

    [Fact]
    public void Ints_and_floats_stay_distinct_and_repeated_keys_keep_first_position()
    {
        var d = Assert.IsType<PyJsonObject>(PyJson.Loads("{\"a\":1,\"b\":1.0,\"a\":3}"));
        Assert.Equal(["a", "b"], d.Keys);
        Assert.Equal(3, Assert.IsType<PyJsonInt>(d["a"]).Value);
        Assert.Equal(1.0, Assert.IsType<PyJsonFloat>(d["b"]).Value);
    }
}
