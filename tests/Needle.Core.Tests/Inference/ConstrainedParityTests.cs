using System.Text.Json;
using Needle.Core.Inference;
using Needle.Core.Model;
using Needle.Core.Tokenization;

namespace Needle.Core.Tests.Inference;

/// <summary>
/// Constrained and unconstrained greedy decoding over a real SentencePiece BPE vocabulary, replayed against the
/// Python version of §7 (tools/reference/constrained_fixtures.py) with the same deterministic pseudo-model.
/// </summary>
public sealed class ConstrainedParityTests
{
    private const int MaxSteps = 80;
    private static readonly JsonElement Fixture =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Generation", "constrained_cases.json"))).RootElement;

    /// <summary>Only piece strings matter here; text in and out is not used.</summary>
    private sealed class PieceVocab(string[] pieces) : ITokenizer
    {
        public int VocabSize => pieces.Length;
        public int[] Encode(string text) => [];
        public string Decode(ReadOnlySpan<int> ids) => string.Concat(ids.ToArray().Select(i => pieces[i]));
        public string IdToPiece(int id) => pieces[id];
        public int PieceToId(string piece) => Array.IndexOf(pieces, piece) is var i and >= 0 ? i : 3;
    }

    /// <summary>logits[id] = ((id·7919 + step·104729) mod 1009) / 1009, plus 5 on the desired id of the step (EOS after the end).</summary>
    private sealed class PseudoModel(int vocab, int[] desired) : INeedleModel
    {
        public NeedleConfig Config { get; } = new() { VocabSize = vocab };
        public IEncodedBatch Encode(IReadOnlyList<int[]> sources) => new Batch();
        public IDecoderState StartDecoder(IEncodedBatch encoded) => new State();
        public float[] EncodeContrastive(int[] tokens) => throw new NotSupportedException();

        public void DecodeStep(IDecoderState state, ReadOnlySpan<int> tokens, Span<float> logits)
        {
            var s = (State)state;
            long step = s.Length++;
            for (long id = 0; id < vocab; id++)
                logits[(int)id] = (float)((id * 7919 + step * 104729) % 1009 / 1009.0);
            logits[step < desired.Length ? desired[step] : 1] += 5f;
        }

        private sealed class Batch : IEncodedBatch { public int BatchSize => 1; public void Dispose() { } }
        private sealed class State : IDecoderState { public int Length { get; set; } public void Dispose() { } }
    }

    [Fact]
    public void Chosen_ids_match_the_python_reference_constrained_and_not()
    {
        var pieces = Fixture.GetProperty("pieces").EnumerateArray().Select(p => p.GetString()!).ToArray();
        var vocab = new PieceVocab(pieces);
        int differing = 0;
        foreach (var c in Fixture.GetProperty("cases").EnumerateArray())
        {
            var desired = c.GetProperty("desired").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var tools = c.GetProperty("tools").GetString()!;
            foreach (var (key, constrained) in new[] { ("constrained", true), ("unconstrained", false) })
            {
                var expected = c.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();
                var gen = new Generator(new PseudoModel(pieces.Length, desired), vocab);
                var options = new GenerationOptions { Constrained = constrained, Normalize = false, MaxGenLen = MaxSteps + 1 };
                var actual = gen.GenerateDetailed("q", tools, options).GeneratedIds;
                Assert.True(expected.SequenceEqual(actual), $"{key} decoding of {tools}: expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]");
            }
            if (!c.GetProperty("constrained").EnumerateArray().Select(e => e.GetInt32())
                    .SequenceEqual(c.GetProperty("unconstrained").EnumerateArray().Select(e => e.GetInt32()))) differing++;
        }
        Assert.True(differing >= 7, $"only {differing} cases exercise the constraint");
    }
}
