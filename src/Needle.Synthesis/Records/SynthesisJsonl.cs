using System.Text;
using System.Text.Json;

namespace Needle.Synthesis.Records;

/// <summary>Writes and reads <see cref="SynthesisRecord"/> JSONL files. Writes are atomic (temp file, then rename).</summary>
public static class SynthesisJsonl
{
    // Readable UTF-8 lines (quotes as \", non-ASCII raw). Upstream's Python writer escapes non-ASCII as \uXXXX; both
    // decode to the same strings, which is all the readers use.
    private static readonly JsonSerializerOptions LineOptions = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ToLine(SynthesisRecord record) => JsonSerializer.Serialize(record, LineOptions);

    public static async Task WriteAsync(string path, IEnumerable<SynthesisRecord> records, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)))
            {
                foreach (var r in records)
                {
                    ct.ThrowIfCancellationRequested();
                    await writer.WriteAsync(ToLine(r));
                    await writer.WriteAsync('\n');
                }
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static IReadOnlyList<SynthesisRecord> Read(string path)
    {
        var list = new List<SynthesisRecord>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            try
            {
                list.Add(JsonSerializer.Deserialize<SynthesisRecord>(line, LineOptions)
                         ?? throw new InvalidDataException($"{path}: line {lineNo} is null"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {lineNo} is not a valid record ({e.Message})", e);
            }
        }
        return list;
    }
}
