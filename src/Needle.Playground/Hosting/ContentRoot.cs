namespace Needle.Playground.Hosting;

/// <summary>Finds the folder that holds appsettings.json and wwwroot/: the current folder, or one above the binary.</summary>
public static class ContentRoot
{
    public static string Find()
    {
        if (IsRoot(Directory.GetCurrentDirectory())) return Directory.GetCurrentDirectory();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (IsRoot(dir.FullName)) return dir.FullName;
        return AppContext.BaseDirectory;
    }

    private static bool IsRoot(string dir) =>
        File.Exists(Path.Combine(dir, "appsettings.json")) && Directory.Exists(Path.Combine(dir, "wwwroot"));
}
