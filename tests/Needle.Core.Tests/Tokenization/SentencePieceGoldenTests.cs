using System.Text;
using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Tokenization;

/// <summary>Every test string of every fixture model gives sentencepiece 0.1.97's ids, pieces and decoding.</summary>
public sealed class SentencePieceGoldenTests
{
    public static TheoryData<string> Models => new(TokenizerFixtures.ModelNames);

    [Theory]
    [MemberData(nameof(Models))]
    public void Vocabulary_and_special_ids_match(string model)
    {
        var golden = TokenizerFixtures.ReadGolden(model);
        var tokenizer = TokenizerFixtures.Load(model);
        Assert.Equal(golden.Spec.VocabSize, tokenizer.VocabSize);
        Assert.Equal(golden.Spec.Pieces, Enumerable.Range(0, tokenizer.VocabSize).Select(tokenizer.IdToPiece));
        Assert.Equal((golden.Spec.UnkId, golden.Spec.BosId, golden.Spec.EosId, golden.Spec.PadId),
            (tokenizer.UnkId, tokenizer.BosId, tokenizer.EosId, tokenizer.PadId));
        for (var id = 0; id < tokenizer.VocabSize; id++)
            if (!tokenizer.IsUnknown(id)) Assert.Equal(id, tokenizer.PieceToId(golden.Spec.Pieces[id]));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Encode_gives_the_reference_ids(string model)
    {
        var golden = TokenizerFixtures.ReadGolden(model);
        var tokenizer = TokenizerFixtures.Load(model);
        var texts = TokenizerFixtures.Texts;
        Assert.Equal(texts.Length, golden.Ids.Length);
        var failures = new List<string>();
        for (var i = 0; i < texts.Length; i++)
        {
            var ids = tokenizer.Encode(texts[i]);
            if (!ids.SequenceEqual(golden.Ids[i]))
                failures.Add($"#{i} {Show(texts[i])}\n  expected [{string.Join(' ', golden.Ids[i])}]\n  actual   [{string.Join(' ', ids)}]");
        }
        Assert.True(failures.Count == 0, $"{failures.Count}/{texts.Length} differ:\n" + string.Join('\n', failures.Take(8)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Encode_as_pieces_gives_the_reference_pieces(string model)
    {
        var golden = TokenizerFixtures.ReadGolden(model);
        var tokenizer = TokenizerFixtures.Load(model);
        var texts = TokenizerFixtures.Texts;
        var failures = new List<string>();
        for (var i = 0; i < texts.Length; i++)
        {
            var expected = golden.Pieces.TryGetValue(i.ToString(), out var p) ? p : golden.Ids[i].Select(id => golden.Spec.Pieces[id]).ToArray();
            var pieces = tokenizer.EncodeAsPieces(texts[i]);
            if (!pieces.SequenceEqual(expected))
                failures.Add($"#{i} {Show(texts[i])}\n  expected {Show(string.Join('|', expected))}\n  actual   {Show(string.Join('|', pieces))}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count}/{texts.Length} differ:\n" + string.Join('\n', failures.Take(8)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Decode_of_the_encoding_gives_the_reference_text(string model)
    {
        var golden = TokenizerFixtures.ReadGolden(model);
        var tokenizer = TokenizerFixtures.Load(model);
        var texts = TokenizerFixtures.Texts;
        var failures = new List<string>();
        for (var i = 0; i < texts.Length; i++)
        {
            var expected = golden.Decoded.TryGetValue(i.ToString(), out var d) ? d : texts[i];
            var decoded = tokenizer.Decode(golden.Ids[i]);
            if (decoded != expected) failures.Add($"#{i} expected {Show(expected)}\n  actual {Show(decoded)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count}/{texts.Length} differ:\n" + string.Join('\n', failures.Take(8)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Decode_of_random_ids_gives_the_reference_text(string model)
    {
        var golden = TokenizerFixtures.ReadGolden(model);
        var tokenizer = TokenizerFixtures.Load(model);
        Assert.NotEmpty(golden.DecodeIds);
        var failures = new List<string>();
        for (var i = 0; i < golden.DecodeIds.Length; i++)
        {
            var decoded = tokenizer.Decode(golden.DecodeIds[i]);
            if (decoded != golden.DecodeText[i])
                failures.Add($"[{string.Join(' ', golden.DecodeIds[i])}]\n  expected {Show(golden.DecodeText[i])}\n  actual   {Show(decoded)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count}/{golden.DecodeIds.Length} differ:\n" + string.Join('\n', failures.Take(8)));
    }

    /// <summary>Escapes control and non-ASCII characters so failures are readable.</summary>
    private static string Show(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s.Length > 200 ? s[..200] + "…" : s)
            sb.Append(c is < ' ' or '"' or '\\' ? $"\\u{(int)c:x4}" : c.ToString());
        return sb.Append('"').ToString();
    }
}
