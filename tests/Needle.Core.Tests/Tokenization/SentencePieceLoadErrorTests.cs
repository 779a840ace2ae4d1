using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Tokenization;

/// <summary>Bad tokenizer files fail with InvalidDataException naming the file; other model types are refused.</summary>
public sealed class SentencePieceLoadErrorTests
{
    private static byte[] NeedleModel => File.ReadAllBytes(TokenizerFixtures.ModelPath("needle-like-8192"));

    [Fact]
    public void Truncated_model_names_the_file_and_the_problem()
    {
        var data = NeedleModel;
        foreach (var cut in new[] { data.Length / 3, data.Length / 2, data.Length - 1 })
        {
            var error = Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.FromBytes(data[..cut], "cut.model"));
            Assert.StartsWith("cut.model: not a usable SentencePiece model: ", error.Message);
            Assert.True(error.Message.Contains("malformed protobuf") || error.Message.Contains("truncated file"), error.Message);
        }
    }

    [Fact]
    public void Empty_file_has_no_pieces()
    {
        var error = Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.FromBytes([], "empty.model"));
        Assert.Equal("empty.model: not a usable SentencePiece model: the model has no pieces", error.Message);
    }

    [Fact]
    public void Text_file_is_not_a_model()
    {
        var path = Path.Combine(Path.GetTempPath(), $"needle-tok-{Guid.NewGuid():N}.model");
        File.WriteAllText(path, "{\"not\": \"a sentencepiece model\"}\n");
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.Load(path));
            Assert.StartsWith(path + ": not a usable SentencePiece model: ", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_file_is_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => SentencePieceTokenizer.Load(Path.Combine(Path.GetTempPath(), "no-such-needle.model")));
    }

    [Theory]
    [InlineData("unigram-400", "UNIGRAM")]
    [InlineData("char-400", "CHAR")]
    public void Other_model_types_are_not_supported(string model, string typeName)
    {
        var error = Assert.Throws<NotSupportedException>(() => SentencePieceTokenizer.Load(TokenizerFixtures.ModelPath(model)));
        Assert.Contains(typeName, error.Message);
        Assert.Contains(model + ".model", error.Message);
    }

    [Fact]
    public void Model_without_an_unknown_piece_is_refused()
    {
        // Rewrite the type of <unk> (id 3, "type" field = 3 in piece 3) from UNKNOWN (2) to CONTROL (3).
        var data = NeedleModel;
        var unk = FindPieceTypeByte(data, "<unk>"u8);
        data[unk] = 3;
        var error = Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.FromBytes(data, "nounk.model"));
        Assert.Contains("no piece has type UNKNOWN", error.Message);
    }

    [Fact]
    public void Byte_piece_missing_with_byte_fallback_is_refused()
    {
        // Turn <0x41> into a NORMAL piece: byte_fallback then lacks byte 0x41.
        var data = NeedleModel;
        data[FindPieceTypeByte(data, "<0x41>"u8)] = 1;
        var error = Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.FromBytes(data, "nobyte.model"));
        Assert.Contains("no piece <0x41>", error.Message);
    }

    [Fact]
    public void Caller_bugs_are_argument_exceptions()
    {
        Assert.Throws<ArgumentNullException>(() => SentencePieceTokenizer.FromBytes(null!, "x"));
        Assert.Throws<ArgumentException>(() => SentencePieceTokenizer.Load(""));
        var tokenizer = TokenizerFixtures.Load("needle-like-8192");
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([1, 8192]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.IdToPiece(9000));
        Assert.Throws<ArgumentNullException>(() => tokenizer.Encode(null!));
    }

    /// <summary>
    /// Offset of the varint of field 3 (type) in the SentencePiece message whose piece is <paramref name="piece"/>:
    /// the layout the trainer writes is 0x0A len piece 0x15 float32 0x18 type.
    /// </summary>
    private static int FindPieceTypeByte(byte[] data, ReadOnlySpan<byte> piece)
    {
        byte[] pattern = [0x0A, (byte)piece.Length, .. piece, 0x15];
        var at = data.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0, "piece not found in the model bytes");
        var typeTag = at + pattern.Length + 4;
        Assert.Equal(0x18, data[typeTag]);
        return typeTag + 1;
    }
}
