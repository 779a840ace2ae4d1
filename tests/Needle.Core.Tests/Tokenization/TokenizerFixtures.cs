using System.IO.Compression;
using System.Text.Json;
using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Tokenization;

/// <summary>The golden files made by tools/reference/make_tokenizer_fixtures.py with sentencepiece 0.1.97.</summary>
internal static class TokenizerFixtures
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Tokenizer");

    /// <summary>Every model the fixture script trains (keep in sync with MODELS there).</summary>
    public static readonly string[] ModelNames =
    [
        "needle-like-8192", "bpe-400-ascii", "bpe-1000-nodummy-keepspaces", "bpe-1000-keepspaces", "bpe-1000-noescape",
        "bpe-1000-unused", "bpe-800-nobytefallback", "bpe-1000-nfkc", "bpe-1000-suffix", "bpe-1000-denorm",
    ];

    public static string ModelPath(string name) => Path.Combine(Directory, name + ".model");

    private static readonly Lazy<string[]> LazyTexts = new(() => ReadGzJson<string[]>("texts.json.gz"));

    public static string[] Texts => LazyTexts.Value;

    private static readonly Dictionary<string, SentencePieceTokenizer> Loaded = [];

    public static SentencePieceTokenizer Load(string name)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(name, out var tokenizer))
                Loaded[name] = tokenizer = SentencePieceTokenizer.Load(ModelPath(name));
            return tokenizer;
        }
    }

    private static readonly Dictionary<string, Golden> Goldens = [];

    public static Golden ReadGolden(string name)
    {
        lock (Goldens)
        {
            if (!Goldens.TryGetValue(name, out var golden))
                Goldens[name] = golden = ReadGzJson<Golden>(name + ".golden.json.gz");
            return golden;
        }
    }

    private static T ReadGzJson<T>(string file)
    {
        using var stream = new GZipStream(File.OpenRead(Path.Combine(Directory, file)), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<T>(stream, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
               ?? throw new InvalidDataException($"{file} is empty");
    }

    internal sealed class Golden
    {
        public required GoldenSpec Spec { get; init; }
        public required int[][] Ids { get; init; }
        public required Dictionary<string, string[]> Pieces { get; init; }
        public required Dictionary<string, string> Decoded { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("decode_ids")] public required int[][] DecodeIds { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("decode_text")] public required string[] DecodeText { get; init; }
    }

    internal sealed class GoldenSpec
    {
        [System.Text.Json.Serialization.JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("unk_id")] public int UnkId { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("bos_id")] public int BosId { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("eos_id")] public int EosId { get; init; }
        [System.Text.Json.Serialization.JsonPropertyName("pad_id")] public int PadId { get; init; }
        public required string[] Pieces { get; init; }
    }
}
