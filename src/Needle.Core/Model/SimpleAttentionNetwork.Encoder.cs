using Needle.Core.Inference;
using Needle.Core.Kernels;

namespace Needle.Core.Model;

/// <summary>The encoder (prefill): embedding, the self-attention blocks, the final norm and the decoder's cross K/V.</summary>
public sealed unsafe partial class SimpleAttentionNetwork
{
    /// <summary>Optional per-stage stopwatch for Encode (benchmarks only; null = off).</summary>
    public PrefillProfile? Profile { get; set; }

    public IEncodedBatch Encode(IReadOnlyList<int[]> sources)
    {
        var (tokens, keyValid, x, b, t) = RunEncoder(sources);
        var prof = Profile;
        var lap = prof?.Now() ?? 0;
        var crossKv = CrossKv(x, b * t, prof, ref lap);
        return new EncodedBatch
        {
            Owner = this, BatchSize = b, Length = t, Tokens = tokens, KeyValid = keyValid, Output = x, CrossKv = crossKv,
        };
    }

    /// <summary>
    /// The encoder alone (what the PyTorch peer's <c>encode</c> times): enc_out (B, T_e, D) after the final norm,
    /// without the decoder layers' cross-attention K/V that <see cref="Encode"/> adds.
    /// </summary>
    public float[] EncodeHidden(IReadOnlyList<int[]> sources) => RunEncoder(sources).X;

    private (int[] Tokens, bool[] KeyValid, float[] X, int B, int T) RunEncoder(IReadOnlyList<int[]> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0) throw new ArgumentException("Encode needs at least one sequence.", nameof(sources));
        var prof = Profile;
        var lap = prof?.Now() ?? 0;
        int b = sources.Count, t = Math.Max(1, sources.Max(s => s?.Length ?? throw new ArgumentException("null source sequence")));
        var tokens = new int[b * t];
        Array.Fill(tokens, Config.PadTokenId);
        for (var i = 0; i < b; i++) sources[i].CopyTo(tokens, i * t);
        var keyValid = tokens.Select(id => id != Config.PadTokenId).ToArray();

        var x = new float[b * t * _d]; // (B, T_e, D)
        Elementwise.EmbeddingGather(_embedding, _d, tokens, x, _embScale);
        prof?.Lap("embed", ref lap);
        for (var l = 0; l < _enc.Length; l++)
            SelfAttentionBlock(x, b, t, _enc[l], _encNorm[l], _encGate[l], keyValid, causal: false, prepacked: true, prof);
        lap = prof?.Now() ?? 0;
        ZcRmsNorm.Forward(x, _encFinalNorm, x, b * t, _d);
        prof?.Lap("final norm", ref lap);
        if (prof is not null) prof.Runs++;
        return (tokens, keyValid, x, b, t);
    }

    /// <summary>Cross-attention K/V of every decoder layer: (B, T_e, 2·KV·hd), k normalized per head, no RoPE.</summary>
    private float[][] CrossKv(float[] x, int n, PrefillProfile? prof, ref long lap)
    {
        var crossKv = new float[_decCross.Length][];
        for (var l = 0; l < _decCross.Length; l++)
        {
            var kv = crossKv[l] = new float[n * 2 * _kvDim];
            Gemm.MatMul(x, _decCross[l].PackedKv(_d), kv, n);
            prof?.Lap("cross kv gemm", ref lap);
            for (var r = 0; r < n; r++)
            {
                var k = kv.AsSpan(r * 2 * _kvDim, _kvDim);
                ZcRmsNorm.Forward(k, _decCross[l].KNorm, k, _kvHeads, _hd);
            }
            prof?.Lap("cross k norm", ref lap);
        }
        return crossKv;
    }
}
