using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Needle.Core.Tokenization;

namespace Needle.Bench;

/// <summary>
/// Encode throughput (MB/s of UTF-8 input, one thread) of our SentencePiece BPE and of sentencepiece 0.1.97 (Debian's
/// python3-sentencepiece, per-text loop and batch call) on the same texts, plus a checksum that the ids agree.
/// args: [--model PATH] [--texts texts.json.gz] [--seconds 2]
/// </summary>
public sealed class TokenizerBenchmark : IBenchmark
{
    public string Name => "tokenizer";
    public string Description => "SentencePiece encode MB/s: ours vs sentencepiece (python)";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var root = FindRepoRoot();
        var fixtures = Path.Combine(root, "tests", "Needle.Core.Tests", "Fixtures", "Tokenizer");
        var model = Option(args, "--model") ?? Path.Combine(fixtures, "needle-like-8192.model");
        var textsPath = Option(args, "--texts") ?? Path.Combine(fixtures, "texts.json.gz");
        var seconds = double.Parse(Option(args, "--seconds") ?? "2", System.Globalization.CultureInfo.InvariantCulture);

        string[] texts;
        await using (var stream = new GZipStream(File.OpenRead(textsPath), CompressionMode.Decompress))
            texts = JsonSerializer.Deserialize<string[]>(stream)!;
        var bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        var tokenizer = SentencePieceTokenizer.Load(model);
        Console.WriteLine($"model {Path.GetFileName(model)} (vocab {tokenizer.VocabSize}), {texts.Length} texts, {bytes / 1e6:F2} MB per round");

        // Ours: Encode(string) per text, as a caller would.
        var ours = Timed(() => { foreach (var t in texts) tokenizer.Encode(t); }, bytes, seconds);
        var ids = new List<int>();
        var oursSpan = Timed(() => { foreach (var t in texts) { ids.Clear(); tokenizer.Encode(t.AsSpan(), ids); } }, bytes, seconds);
        var checksum = Checksum(texts.Select(tokenizer.Encode));

        var peerTexts = Path.Combine(Path.GetTempPath(), $"needle-bench-texts-{Environment.ProcessId}.json");
        await File.WriteAllTextAsync(peerTexts, JsonSerializer.Serialize(texts), ct);
        try
        {
            var script = Path.Combine(root, "bench", "peers", "tokenizer_peer.py");
            var peer = JsonDocument.Parse(await PeerProcess.RunAsync(script, $"\"{model}\" \"{peerTexts}\" {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}", ct)).RootElement;
            var peerChecksum = peer.GetProperty("checksum").GetInt64();
            Console.WriteLine($"ours   Encode(string)            {ours,8:F2} MB/s");
            Console.WriteLine($"ours   Encode(span, List<int>)   {oursSpan,8:F2} MB/s");
            Console.WriteLine($"sentencepiece {peer.GetProperty("version").GetString()} encode loop  {peer.GetProperty("mb_per_s_loop").GetDouble(),8:F2} MB/s");
            Console.WriteLine($"sentencepiece {peer.GetProperty("version").GetString()} encode batch {peer.GetProperty("mb_per_s_batch").GetDouble(),8:F2} MB/s (num_threads=1)");
            Console.WriteLine($"ids checksum: ours {checksum}, sentencepiece {peerChecksum} -> {(checksum == peerChecksum ? "identical" : "DIFFERENT")}");
            return checksum == peerChecksum ? 0 : 1;
        }
        finally
        {
            File.Delete(peerTexts);
        }
    }

    private static double Timed(Action round, long bytes, double minSeconds)
    {
        round();  // warm-up (JIT, workspace growth)
        var rounds = 0;
        var watch = Stopwatch.StartNew();
        do
        {
            round();
            rounds++;
        } while (watch.Elapsed.TotalSeconds < minSeconds);
        return bytes * rounds / watch.Elapsed.TotalSeconds / 1e6;
    }

    /// <summary>The same rolling hash as the peer script, over every id of every text.</summary>
    private static long Checksum(IEnumerable<int[]> all)
    {
        long h = 0;
        foreach (var ids in all)
        {
            foreach (var id in ids) h = (h * 31 + id + 1) % 2147483647;
            h = (h * 31 + 7) % 2147483647;
        }
        return h;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Needle.Playground.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Needle.Playground.sln not found above {AppContext.BaseDirectory}");
    }
}
