using System.Text.Json;
using Needle.Tests;

namespace Needle.Core.Tests.Training;

/// <summary>Golden values made by tools/reference/training_*_reference.py (Python's random/json/numpy).</summary>
internal static class TrainingFixtures
{
    private static readonly Lazy<JsonElement> _data = new(() => Load("data_reference.json"));

    public static JsonElement Data => _data.Value;

    public static JsonElement Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Training", name);
        if (!File.Exists(path)) path = RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Training", name);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    public static int[] Ints(this JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    public static float[] Floats(this JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    public static double[] Doubles(this JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();
}
