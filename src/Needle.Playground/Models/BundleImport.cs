using System.IO.Compression;

namespace Needle.Playground.Models;

/// <summary>
/// Unpacks a finetune bundle (.zip) into checkpoints/&lt;name&gt;/: only plain file names with known extensions are
/// taken (no folders, no "..", no absolute paths), each written atomically and capped in size. Returns the checkpoint's
/// catalog name. <see cref="InvalidDataException"/> for a zip that is not a bundle.
/// </summary>
public static class BundleImport
{
    private static readonly string[] Allowed = [".pkl", ".model", ".json", ".jsonl", ".md"];

    public static string Extract(string zipPath, string checkpointsRoot, string bundleName, long maxEntryBytes)
    {
        var folderName = SafeName(Path.GetFileNameWithoutExtension(bundleName));
        if (folderName.Length == 0) throw new InvalidDataException($"'{bundleName}' is not a usable bundle name.");
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(zipPath); }
        catch (InvalidDataException) { throw new InvalidDataException($"'{bundleName}' is not a zip file."); }
        using (zip)
        {
            var entries = zip.Entries.Where(e => e.Length > 0 || e.Name.Length > 0).ToList();
            var pkls = entries.Where(e => e.FullName.EndsWith(".pkl", StringComparison.OrdinalIgnoreCase)).ToList();
            if (pkls.Count != 1)
                throw new InvalidDataException($"'{bundleName}' holds {pkls.Count} .pkl files; a bundle has exactly one checkpoint (checkpoint.pkl).");
            if (!entries.Any(e => e.FullName.EndsWith(".model", StringComparison.OrdinalIgnoreCase)))
                throw new InvalidDataException($"'{bundleName}' has no tokenizer (.model); re-export the bundle with its tokenizer.");

            var target = Path.Combine(checkpointsRoot, folderName);
            Directory.CreateDirectory(target);
            foreach (var e in entries)
            {
                // Entries are flat in our bundles; anything with a folder, a parent reference or an odd name is skipped.
                if (e.FullName != e.Name || e.Name != SafeName(e.Name) || e.Name.StartsWith('.')) continue;
                if (!Allowed.Contains(Path.GetExtension(e.Name).ToLowerInvariant())) continue;
                if (e.Length > maxEntryBytes) throw new InvalidDataException($"'{e.Name}' in '{bundleName}' is larger than the {maxEntryBytes / (1024 * 1024)} MiB limit.");
                var dest = Path.Combine(target, e.Name);
                var temp = dest + ".part";
                using (var input = e.Open())
                using (var output = File.Create(temp))
                {
                    // Length is what the zip claims; count what really comes out too (zip bombs lie).
                    var buffer = new byte[81920];
                    long total = 0;
                    int n;
                    while ((n = input.Read(buffer)) > 0)
                    {
                        total += n;
                        if (total > maxEntryBytes) throw new InvalidDataException($"'{e.Name}' in '{bundleName}' expands beyond the size limit.");
                        output.Write(buffer, 0, n);
                    }
                }
                File.Move(temp, dest, overwrite: true);
            }
            return folderName + "/" + pkls[0].Name;
        }
    }

    private static string SafeName(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray());
}
