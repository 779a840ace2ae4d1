using System.Text.Json;
using System.Text.Json.Nodes;
using Needle.Core.Json;

namespace Needle.Core.Tests.Json;

public sealed class PyJsonTests
{
    [Fact]
    public void Ints_and_floats_stay_distinct()
    {
        var v = (PyJsonArray)PyJson.Loads("[1, 1.0, 1e0, 123456789012345678901234567890]");
        Assert.Equal(PyJsonKind.Int, v[0].Kind);
        Assert.Equal(PyJsonKind.Float, v[1].Kind);
        Assert.Equal(PyJsonKind.Float, v[2].Kind);
        Assert.Equal("123456789012345678901234567890", PyJson.Dumps(v[3]));
    }

    [Fact]
    public void Duplicate_keys_keep_first_position_and_last_value()
    {
        var o = (PyJsonObject)PyJson.Loads("""{"a":1,"b":2,"a":3}""");
        Assert.Equal(["a", "b"], o.Keys);
        Assert.Equal("3", PyJson.Dumps(o["a"]!));
    }

    [Fact]
    public void Setting_an_existing_key_keeps_its_position()
    {
        var o = (PyJsonObject)PyJson.Loads("""{"name":"x","arguments":{}}""");
        o["name"] = new PyJsonString("y");
        Assert.Equal("""{"name":"y","arguments":{}}""", PyJson.Dumps(o));
    }

    [Fact]
    public void Deep_nesting_is_a_decode_error_not_a_crash()
    {
        var deep = new string('[', 5000) + new string(']', 5000);
        Assert.Throws<PyJsonDecodeException>(() => PyJson.Loads(deep));
    }

    [Fact]
    public void System_text_json_elements_convert_with_python_number_kinds()
    {
        using var doc = JsonDocument.Parse("""{"i": 2, "f": 2.0, "s": "\u00e9", "a": [true, null]}""");
        Assert.Equal("""{"i":2,"f":2.0,"s":"\u00e9","a":[true,null]}""", PyJson.Dumps(PyJson.FromElement(doc.RootElement)));
        var node = JsonNode.Parse("""{"x": [1.50, 7]}""");
        Assert.Equal("""{"x":[1.5,7]}""", PyJson.Dumps(PyJson.FromNode(node)));
    }
}
