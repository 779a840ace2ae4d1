using Needle.Core.Inference;
using Needle.Core.Model;
using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Inference;

/// <summary>
/// A tiny SentencePiece-like tokenizer: ids 0–3 PAD/EOS/BOS/UNK, 4 &lt;tool_call&gt;, 5 &lt;tools&gt;, then the given
/// pieces. Encode adds the dummy-prefix ▁, maps spaces to ▁ and matches longest pieces (byte pieces for the rest);
/// Decode joins pieces, turns ▁ into spaces and drops the one leading space, like sentencepiece.
/// </summary>
internal sealed class FakeTokenizer : ITokenizer
{
    private readonly List<string> _pieces = ["<pad>", "</s>", "<s>", "<unk>", "<tool_call>", "<tools>"];
    private readonly Dictionary<string, int> _ids = [];

    public FakeTokenizer(IEnumerable<string> pieces)
    {
        for (int b = 0; b < 256; b++) _pieces.Add($"<0x{b:X2}>");
        _pieces.AddRange(pieces);
        for (int i = 0; i < _pieces.Count; i++) _ids.TryAdd(_pieces[i], i);
    }

    public int VocabSize => _pieces.Count;
    public string IdToPiece(int id) => _pieces[id];
    public int PieceToId(string piece) => _ids.TryGetValue(piece, out var id) ? id : 3;
    public int Id(string piece) => _ids.TryGetValue(piece, out var id) ? id : throw new KeyNotFoundException(piece);

    public int[] Encode(string text)
    {
        if (text.Length == 0) return [];
        var s = "\u2581" + text.Replace(' ', '\u2581');
        var ids = new List<int>();
        int i = 0;
        while (i < s.Length)
        {
            int best = -1, bestLen = 0;
            for (int len = s.Length - i; len > 0; len--)
                if (_ids.TryGetValue(s.Substring(i, len), out var id) && id >= 4 && !IsByte(id)) { best = id; bestLen = len; break; }
            if (best >= 0) { ids.Add(best); i += bestLen; continue; }
            foreach (var b in System.Text.Encoding.UTF8.GetBytes(s.Substring(i, char.IsHighSurrogate(s[i]) ? 2 : 1)))
                ids.Add(6 + b);
            i += char.IsHighSurrogate(s[i]) ? 2 : 1;
        }
        return [.. ids];
    }

    private static bool IsByte(int id) => id >= 6 && id < 6 + 256;

    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id < 4) continue;
            if (IsByte(id)) bytes.Add((byte)(id - 6));
            else bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(_pieces[id]));
        }
        var text = System.Text.Encoding.UTF8.GetString(bytes.ToArray()).Replace('\u2581', ' ');
        return text.StartsWith(' ') ? text[1..] : text;
    }
}

/// <summary>
/// A model whose next-token logits come from a script: for each row and decode position, a preference list of ids
/// (first = highest logit). Past the script it prefers EOS. Records what it was asked to encode and fed.
/// </summary>
internal sealed class ScriptedModel(int vocabSize, params IReadOnlyList<int>[][] scripts) : INeedleModel
{
    public NeedleConfig Config { get; } = new() { VocabSize = vocabSize };
    public List<int[]> Encoded { get; } = [];
    public List<int[]> Fed { get; } = [];
    public Func<int[], float[]>? Embedder { get; init; }

    public IEncodedBatch Encode(IReadOnlyList<int[]> sources)
    {
        Encoded.AddRange(sources);
        return new Batch(sources.Count);
    }

    public IDecoderState StartDecoder(IEncodedBatch encoded) => new State(encoded.BatchSize);

    public void DecodeStep(IDecoderState state, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        var s = (State)state;
        Fed.Add(tokens.ToArray());
        logits.Fill(-10f);
        for (int b = 0; b < s.Rows; b++)
        {
            var row = logits.Slice(b * vocabSize, vocabSize);
            var script = scripts[b];
            var prefs = s.Length < script.Length ? script[s.Length] : [1];
            for (int k = 0; k < prefs.Count; k++) row[prefs[k]] = 10f - k;
        }
        s.Length++;
    }

    public float[] EncodeContrastive(int[] tokens) =>
        Embedder?.Invoke(tokens) ?? throw new InvalidOperationException("no embedder scripted");

    private sealed class Batch(int n) : IEncodedBatch
    {
        public int BatchSize => n;
        public void Dispose() { }
    }

    private sealed class State(int rows) : IDecoderState
    {
        public int Rows => rows;
        public int Length { get; set; }
        public void Dispose() { }
    }
}
