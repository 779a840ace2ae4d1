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

        var n = b * t;
        var x = new float[n * _d]; // (B, T_e, D)
        Elementwise.EmbeddingGather(_embedding, _d, tokens, x, _embScale);
        prof?.Lap("embed", ref lap);
        // Pooled scratch (MB-sized: would otherwise land on the large-object heap every call).
        var h = Rent(n * _d);       // (B·T, D): the normed input of a block, then its projection output
        var qkv = Rent(n * _qkvDim); // (B·T, (H + 2KV)·hd)
        var attn = Rent(n * _qDim);  // (B·T, H·hd)
        try
        {
            ZcRmsNorm.Forward(x, _encNorm[0], h, n, _d);
            prof?.Lap("norm", ref lap);
            for (var l = 0; l < _enc.Length; l++)
            {
                var w = _enc[l];
                Gemm.MatMul(h.AsSpan(0, n * _d), w.PackedQkv(_d), qkv, n);
                prof?.Lap("qkv gemm", ref lap);
                QkNormRope.Forward(qkv, n, _qkvDim, t, 0, _heads, _kvHeads, w.QNorm, w.KNorm, _rope);
                prof?.Lap("qk norm+rope", ref lap);
                fixed (float* pq = qkv, po = attn)
                fixed (bool* pm = keyValid)
                {
                    var s = new AttentionStrides(_qkvDim, (long)t * _qkvDim, _qkvDim, (long)t * _qkvDim, _qkvDim, (long)t * _qkvDim, _qDim, (long)t * _qDim);
                    Attention.Forward(pq, pq + _qDim, pq + _qDim + _kvDim, po, s, b, t, t, _heads, _kvHeads, _hd, pm, false, 0, _attnScale);
                }
                prof?.Lap("attention", ref lap);
                Gemm.MatMul(attn.AsSpan(0, n * _qDim), w.PackedOut(_d), h, n);
                prof?.Lap("out gemm", ref lap);
                // x += σ(gate)·h, then the next block's norm into h (after the last block: the final norm, in place).
                var last = l == _enc.Length - 1;
                ResidualNorm.Forward(x, h.AsSpan(0, n * _d), _encGate[l], last ? _encFinalNorm : _encNorm[l + 1], last ? x : h, n, _d);
                prof?.Lap("residual+norm", ref lap);
            }
        }
        finally
        {
            Return(h); Return(qkv); Return(attn);
        }
        if (prof is not null) prof.Runs++;
        return (tokens, keyValid, x, b, t);
    }

    /// <summary>Cross-attention K/V of every decoder layer: (B, T_e, 2·KV·hd), k normalized per head, no RoPE.</summary>
    private float[][] CrossKv(float[] x, int n, PrefillProfile? prof, ref long lap)
    {
        var crossKv = new float[_decCross.Length][];
        for (var l = 0; l < _decCross.Length; l++)
        {
            // Every element is written by the GEMM: skip the zeroing of a fresh array.
            var kv = crossKv[l] = GC.AllocateUninitializedArray<float>(n * 2 * _kvDim);
            Gemm.MatMul(x, _decCross[l].PackedKv(_d), kv, n);
            prof?.Lap("cross kv gemm", ref lap);
            // k | v rows: normalize the k heads (a "q | k" buffer with no q heads), no RoPE.
            QkNormRope.Forward(kv, n, 2 * _kvDim, n, 0, _kvHeads, 0, _decCross[l].KNorm, default, null);
            prof?.Lap("cross k norm", ref lap);
        }
        return crossKv;
    }
}
