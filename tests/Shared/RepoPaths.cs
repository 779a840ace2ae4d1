namespace Needle.Tests;

/// <summary>Locates the repository from a test's output folder (shared by every test project as a linked file).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Needle.Playground.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Needle.Playground.sln not found above {AppContext.BaseDirectory}");
    }
}
