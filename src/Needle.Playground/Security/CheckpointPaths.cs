using System.Text.RegularExpressions;

namespace Needle.Playground.Security;

/// <summary>
/// Maps names from requests to files inside the checkpoints folder and nowhere else: a name is one or two
/// "/"-separated segments of [A-Za-z0-9._-] that do not start with a dot (so no "..", no hidden or temp files),
/// never absolute, and no symbolic link on the way may lead outside the folder.
/// </summary>
public static partial class CheckpointPaths
{
    public const int MaxNameLength = 200;

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]*$")]
    private static partial Regex Segment();

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex Unsafe();

    /// <summary>Validates a catalog name; returns the message for a 400, or null when the name is well-formed.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "a file name is required";
        if (name.Length > MaxNameLength) return $"file name is longer than {MaxNameLength} characters";
        if (name.Contains('\\') || name.Contains('\0') || Path.IsPathRooted(name))
            return "file name must be relative to checkpoints/ and use '/' only";
        var segments = name.Split('/');
        if (segments.Length > 2) return "file name may name at most one sub-folder of checkpoints/";
        if (segments.Any(s => !Segment().IsMatch(s)))
            return "file name may only contain letters, digits, '.', '_' and '-', and no part may start with '.'";
        return null;
    }

    /// <summary>
    /// The full path of <paramref name="name"/> inside <paramref name="root"/>, or null (with the reason) when the name is
    /// malformed or would leave the folder, including through a symbolic link.
    /// </summary>
    public static string? Resolve(string root, string? name, out string? error)
    {
        error = Validate(name);
        if (error is not null) return null;
        var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var full = Path.GetFullPath(Path.Combine(rootFull, name!));
        if (!IsInside(rootFull, full) || EscapesThroughLink(rootFull, full))
        {
            error = "file name points outside checkpoints/";
            return null;
        }
        return full;
    }

    /// <summary>
    /// An upload's file name made safe (May's rule): the last path segment, every character outside [A-Za-z0-9._-]
    /// replaced with '_', leading dots removed. Null when nothing usable remains.
    /// </summary>
    public static string? SanitizeUploadName(string? original)
    {
        if (string.IsNullOrWhiteSpace(original)) return null;
        var last = original.Replace('\\', '/').Split('/').Last();
        var safe = Unsafe().Replace(last, "_").TrimStart('.');
        if (safe.Length > MaxNameLength) safe = safe[^MaxNameLength..];
        return safe.Length == 0 || Validate(safe) is not null ? null : safe;
    }

    public static bool IsInside(string rootFull, string full) =>
        full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>True when the target or a folder between it and the root is a link whose final target is outside the root.</summary>
    public static bool EscapesThroughLink(string rootFull, string full)
    {
        var realRoot = RealPath(rootFull);
        for (var path = full; path.Length > rootFull.Length; path = Path.GetDirectoryName(path)!)
        {
            FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
            if (info.LinkTarget is null) continue;
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !IsInside(realRoot, RealPath(target.FullName))) return true;
        }
        return false;
    }

    private static string RealPath(string path)
    {
        // The root itself may be a link (e.g. a mounted volume); compare against where it really is.
        var info = new DirectoryInfo(path);
        var resolved = info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(true)?.FullName ?? info.FullName;
        return Path.TrimEndingDirectorySeparator(resolved);
    }
}
