using Needle.Core.Data;
using Needle.Core.Tests.Training;

namespace Needle.Core.Tests.Data;

public sealed class PyJsonTests
{
    [Fact]
    public void Dumps_matches_python_json_dumps_in_every_mode()
    {
        foreach (var c in TrainingFixtures.Data.GetProperty("json").EnumerateArray())
        {
            var v = PythonJson.Parse(c.GetProperty("input").GetString()!);
            Assert.Equal(c.GetProperty("compact").GetString(), PythonJson.Dumps(v));
            Assert.Equal(c.GetProperty("compact_unicode").GetString(), PythonJson.Dumps(v, ensureAscii: false));
            Assert.Equal(c.GetProperty("default").GetString(), PythonJson.Dumps(v, compact: false));
            Assert.Equal(c.GetProperty("sorted").GetString(), PythonJson.Dumps(v, compact: false, sortKeys: true));
            Assert.Equal(c.GetProperty("indent2").GetString(), PythonJson.DumpsIndented(v));
        }
    }

    [Fact]
    public void Float_repr_matches_python()
    {
        foreach (var c in TrainingFixtures.Data.GetProperty("float_repr").EnumerateArray())
            Assert.Equal(c.GetProperty("repr").GetString(), PythonJson.FloatRepr(c.GetProperty("value").GetDouble()));
    }

    [Fact]
    public void Invalid_json_that_python_rejects_is_rejected()
    {
        foreach (var s in TrainingFixtures.Data.GetProperty("json_invalid").EnumerateArray())
        {
            Assert.False(PythonJson.TryParse(s.GetString(), out _), s.GetString());
            Assert.Equal(s.GetString(), PythonJson.Compact(s.GetString()!));
        }
    }

    [Fact]
    public void Ints_and_floats_stay_distinct_and_repeated_keys_keep_first_position()
    {
        var d = Assert.IsType<PythonDict>(PythonJson.Parse("{\"a\":1,\"b\":1.0,\"a\":3}"));
        Assert.Equal(["a", "b"], d.Keys);
        Assert.Equal(3L, d["a"]);
        Assert.Equal(1.0, d["b"]);
    }
}
