using Needle.Tests;

namespace Needle.Playground.Tests.Integration;

/// <summary>The reference fixtures' briefly trained tiny checkpoint and its tokenizer (tools/reference/README.md).</summary>
internal static class TinyModel
{
    public static string Checkpoint => RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Model", "trained.pkl");
    public static string Tokenizer => RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Model", "tokenizer.model");

    /// <summary>Copies the pair into <paramref name="checkpointsDir"/> (as the user would) under <paramref name="name"/>.</summary>
    public static void CopyTo(string checkpointsDir, string name = "tiny.pkl")
    {
        Directory.CreateDirectory(checkpointsDir);
        File.Copy(Checkpoint, Path.Combine(checkpointsDir, name), overwrite: true);
        File.Copy(Tokenizer, Path.Combine(checkpointsDir, "tokenizer.model"), overwrite: true);
    }

    public const string TimerTools =
        """[{"name":"set_timer","description":"Start a countdown timer","parameters":{"time_human":{"type":"string","description":"Duration","required":true}}}]""";
}
