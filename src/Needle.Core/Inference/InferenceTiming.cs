using System.Diagnostics;
using Needle.Core.Model;

namespace Needle.Core.Inference;

/// <summary>Median timings of one model: encoder prefill of a batch-1 source, and batch-1 greedy decoding with the cache.</summary>
public sealed record InferenceTimings(int SourceTokens, int DecodeSteps, int Reps, double PrefillSeconds, double DecodeSeconds, string DecodeWeights)
{
    public double PrefillTokensPerSecond => SourceTokens / PrefillSeconds;
    public double DecodeTokensPerSecond => DecodeSteps / DecodeSeconds;
}

/// <summary>
/// What <c>needle bench inference</c> times: Encode (encoder + the decoder's cross K/V, as generation runs it) of a
/// random source, and greedy decoding as <see cref="Generator"/> runs it (screened logits), after a warm-up past the
/// tiered JIT. Medians of <c>reps</c> runs. Not a test: wall-clock figures depend on the machine and its load.
/// </summary>
public static class InferenceTiming
{
    public static InferenceTimings Measure(SimpleAttentionNetwork model, int sourceTokens = 256, int decodeSteps = 64, int reps = 10, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (sourceTokens < 1 || decodeSteps < 1 || reps < 1) throw new ArgumentException("source tokens, decode steps and reps must be at least 1.");
        var rng = new Random(seed);
        var vocab = model.Config.VocabSize;
        var src = Enumerable.Range(0, sourceTokens).Select(_ => rng.Next(Math.Min(6, vocab - 1), vocab)).ToArray();
        model.ScreenLogitsAfter = 0; // a long-running process: as the playground decodes after its first answers
        var logits = new float[vocab];

        void Prefill() => model.Encode([src]).Dispose();
        void Decode(IEncodedBatch encoded)
        {
            using var state = model.StartGreedyDecoder(encoded);
            var token = EncoderInput.EosId;
            for (var i = 0; i < decodeSteps; i++)
            {
                model.DecodeStep(state, [token], logits);
                token = Greedy.ArgMax(logits); // unmasked: exact even on screened logits
            }
        }

        var warm = Stopwatch.StartNew();
        using var encoded = model.Encode([src]);
        do { Prefill(); Decode(encoded); } while (warm.Elapsed.TotalSeconds < 1.5);
        return new InferenceTimings(sourceTokens, decodeSteps, reps, Median(reps, Prefill), Median(reps, () => Decode(encoded)),
            model.DecodePrecision.ToString());
    }

    private static double Median(int reps, Action run)
    {
        var times = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[reps / 2];
    }
}
