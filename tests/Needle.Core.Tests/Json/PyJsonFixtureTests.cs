using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Needle.Core.Json;
using Needle.Tests;

namespace Needle.Core.Tests.Json;

/// <summary>PyJson against CPython's json module and repr(float) (fixtures from tools/reference/json_dumps_fixtures.py).</summary>
public sealed class PyJsonFixtureTests
{
    private static IEnumerable<JsonElement> Lines(string name) =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Json", name))
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement);

    [Fact]
    public void Loads_then_dumps_matches_python_for_every_case()
    {
        int checkedCases = 0, errors = 0;
        foreach (var c in Lines("roundtrip.jsonl"))
        {
            // Raw UTF-16 units: Encoding.Unicode would replace the lone surrogates some cases contain.
            var input = new string(MemoryMarshal.Cast<byte, char>(Convert.FromBase64String(c.GetProperty("input_utf16").GetString()!)));
            var compact = c.GetProperty("compact");
            if (compact.ValueKind == JsonValueKind.Null)
            {
                Assert.False(PyJson.TryLoads(input, out _), $"Python rejects {Show(input)} but PyJson parsed it");
                Assert.Throws<PyJsonDecodeException>(() => PyJson.Loads(input));
                errors++;
            }
            else
            {
                var value = PyJson.Loads(input);
                Assert.True(compact.GetString() == PyJson.Dumps(value), $"compact of {Show(input)}");
                Assert.True(c.GetProperty("spaced").GetString() == PyJson.DumpsSpaced(value), $"spaced of {Show(input)}");
            }
            checkedCases++;
        }
        Assert.True(checkedCases > 300 && errors > 30, $"{checkedCases} cases, {errors} errors");
    }

    [Fact]
    public void Float_repr_matches_python_for_random_bit_patterns()
    {
        int n = 0;
        foreach (var c in Lines("floats.jsonl"))
        {
            var x = BitConverter.Int64BitsToDouble(long.Parse(c.GetProperty("bits").GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            Assert.Equal(c.GetProperty("repr").GetString(), PyFloat.Repr(x));
            Assert.Equal(c.GetProperty("json").GetString(), PyJson.Dumps(new PyJsonFloat(x)));
            n++;
        }
        Assert.True(n > 2000);
    }

    private static string Show(string s) => JsonSerializer.Serialize(s);
}
