using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Tokenization;

/// <summary>
/// Random and mutated model files (fixed seeds, bounded counts): loading either succeeds, and then encoding and
/// decoding work, or fails with InvalidDataException / NotSupportedException naming the file. Never anything else.
/// </summary>
public sealed class SentencePieceFuzzTests
{
    private static readonly string[] Probes = ["Hello world", "  <tool_call>[{\"a\":1}]  ", "東京 😀 é\t\n", "aaaa bbbb", "▁x▁"];

    [Fact]
    public void Random_bytes_never_crash()
    {
        var rng = new Random(1234);
        for (var i = 0; i < 300; i++)
        {
            var data = new byte[rng.Next(0, 2000)];
            rng.NextBytes(data);
            Check(data, $"random-{i}.model");
        }
    }

    [Fact]
    public void Truncations_of_a_real_model_never_crash()
    {
        var model = File.ReadAllBytes(TokenizerFixtures.ModelPath("bpe-400-ascii"));
        var rng = new Random(99);
        var loaded = 0;
        for (var i = 0; i < 150; i++)
            loaded += Check(model[..rng.Next(0, model.Length)], $"cut-{i}.model") ? 1 : 0;
        Assert.True(loaded < 150, "a truncated model should not always load");
    }

    [Theory]
    [InlineData("bpe-400-ascii", 7)]
    [InlineData("bpe-1000-nfkc", 8)]
    [InlineData("bpe-1000-unused", 9)]
    public void Mutated_models_never_crash(string name, int seed)
    {
        var model = File.ReadAllBytes(TokenizerFixtures.ModelPath(name));
        var rng = new Random(seed);
        for (var i = 0; i < 120; i++)
        {
            var data = (byte[])model.Clone();
            var edits = rng.Next(1, 8);
            for (var e = 0; e < edits; e++)
            {
                var at = rng.Next(data.Length);
                switch (rng.Next(3))
                {
                    case 0: data[at] = (byte)rng.Next(256); break;          // overwrite a byte
                    case 1: data[at] ^= (byte)(1 << rng.Next(8)); break;    // flip a bit
                    default:                                                // delete a short run
                        var n = Math.Min(rng.Next(1, 6), data.Length - at);
                        data = [.. data.AsSpan(0, at), .. data.AsSpan(at + n)];
                        break;
                }
                if (data.Length == 0) break;
            }
            Check(data, $"{name}-mutant-{i}.model");
        }
    }

    /// <summary>Returns whether the bytes loaded; asserts the exception kind and message otherwise.</summary>
    private static bool Check(byte[] data, string name)
    {
        SentencePieceTokenizer tokenizer;
        try
        {
            tokenizer = SentencePieceTokenizer.FromBytes(data, name);
        }
        catch (InvalidDataException e)
        {
            Assert.StartsWith(name + ": ", e.Message);
            return false;
        }
        catch (NotSupportedException e)
        {
            Assert.StartsWith(name + ": ", e.Message);
            return false;
        }
        var rng = new Random(data.Length);
        foreach (var probe in Probes)
        {
            var ids = tokenizer.Encode(probe);
            Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
            tokenizer.Decode(ids);
            tokenizer.EncodeAsPieces(probe);
        }
        var random = Enumerable.Range(0, 32).Select(_ => rng.Next(tokenizer.VocabSize)).ToArray();
        tokenizer.Decode(random);
        foreach (var id in random) tokenizer.PieceText(id);
        return true;
    }
}
