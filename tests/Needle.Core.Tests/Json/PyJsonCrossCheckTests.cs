using System.Globalization;
using System.Text;
using System.Text.Json;
using Needle.Core.Json;
using Needle.Tests;

namespace Needle.Core.Tests.Json;

/// <summary>
/// PyJson against the generation helper's json.dumps fixtures (tools/reference/json_dumps_fixtures.py): compact and
/// spaced round trips, rejections, float repr.
/// </summary>
public sealed class PyJsonCrossCheckTests
{
    private static IEnumerable<JsonElement> Lines(string name)
    {
        foreach (var line in File.ReadLines(RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Json", name)))
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            yield return doc.RootElement.Clone();
        }
    }

    [Fact]
    public void Round_trips_match_python_or_are_rejected_like_python()
    {
        int n = 0;
        foreach (var c in Lines("roundtrip.jsonl"))
        {
            // Decode UTF-16LE by hand: Encoding.Unicode would replace the lone surrogates some cases contain.
            var bytes = Convert.FromBase64String(c.GetProperty("input_utf16").GetString()!);
            var sb = new StringBuilder(bytes.Length / 2);
            for (int i = 0; i + 1 < bytes.Length; i += 2) sb.Append((char)(bytes[i] | (bytes[i + 1] << 8)));
            string input = sb.ToString();
            var compact = c.GetProperty("compact");
            if (compact.ValueKind == JsonValueKind.Null)
            {
                Assert.False(PyJson.TryLoads(input, out _), input);
                continue;
            }
            Assert.True(PyJson.TryLoads(input, out var v), input);
            Assert.Equal(compact.GetString(), PyJson.Dumps(v));
            Assert.Equal(c.GetProperty("spaced").GetString(), PyJson.DumpsSpaced(v));
            n++;
        }
        Assert.True(n > 100);
    }

    [Fact]
    public void Float_repr_matches_python_for_every_fixture_double()
    {
        foreach (var c in Lines("floats.jsonl"))
        {
            double d = BitConverter.Int64BitsToDouble(long.Parse(c.GetProperty("bits").GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            Assert.Equal(c.GetProperty("json").GetString(), PyJson.Dumps(new PyJsonFloat(d)));
        }
    }
}
