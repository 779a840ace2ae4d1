using Needle.Core.Checkpoints;
using Needle.Core.Inference;
using Needle.Core.Kernels;
using Needle.Core.Tensors;

namespace Needle.Core.Model;

/// <summary>
/// Needle's encoder–decoder (needle-model.md §2) in float32 on our kernels: gated pre-norm attention blocks with
/// ZC-RMSNorm, QK-norm, RoPE on self-attention, GQA, no feed-forward, tied output embedding, and the contrastive head.
/// Thread-safe: all per-call state lives in the returned batch/state objects.
/// </summary>
public sealed unsafe partial class SimpleAttentionNetwork : INeedleModel
{
    public NeedleConfig Config { get; }

    /// <summary>Storage of the decode-time (matrix-vector) weights.</summary>
    public WeightPrecision DecodePrecision { get; }

    private readonly int _d, _heads, _kvHeads, _hd, _qDim, _kvDim, _qkvDim, _vocab;
    private readonly float _embScale, _attnScale;
    private readonly float[] _embedding;                 // (V, D)
    private readonly AttentionWeights[] _enc;            // per encoder layer: self-attention
    private readonly float[][] _encNorm;                 // per layer (D)
    private readonly float[] _encGate;                   // (L_e)
    private readonly float[] _encFinalNorm;              // (D)
    private readonly AttentionWeights[] _decSelf, _decCross;
    private readonly float[][] _decNorm0, _decNorm1;     // per layer (D)
    private readonly float[] _decSelfGate, _decCrossGate; // (L_d)
    private readonly float[] _decFinalNorm;              // (D)
    private readonly float[] _contrastiveHidden;         // (D, C)
    private readonly float[] _contrastiveBias;           // (C)
    private readonly float[] _contrastiveProj;           // (C, C)
    private readonly PackedRows _decodeLogits;           // (V, D): tied output projection
    private GemmPackedB? _logitsPacked;                  // Eᵀ (D, V) in GEMM panels, for teacher forcing; lazy
    private readonly RopeTable _rope;

    public SimpleAttentionNetwork(NeedleWeights weights, WeightPrecision decodePrecision = WeightPrecision.Float16)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var c = Config = weights.Config;
        _d = c.DModel; _heads = c.NumHeads; _kvHeads = c.NumKvHeads; _hd = c.HeadDim; _vocab = c.VocabSize;
        _qDim = _heads * _hd; _kvDim = _kvHeads * _hd; _qkvDim = _qDim + 2 * _kvDim;
        _embScale = MathF.Sqrt(_d);
        _attnScale = 1f / MathF.Sqrt(_hd);
        _embedding = weights[NeedleWeights.Embedding].Data;
        _rope = new RopeTable(_hd, c.RopeTheta, 1024);

        const string eb = NeedleWeights.EncoderBlock, db = NeedleWeights.DecoderBlock;
        _enc = Layers(c.NumEncoderLayers, l => AttentionWeights.Load(weights, eb + "self_attn/", l, cross: false));
        _encNorm = Layers(c.NumEncoderLayers, l => weights[eb + "ZCRMSNorm_0/scale"].Slice(l).ToArray());
        _encGate = weights[eb + "attn_gate"].Data;
        _encFinalNorm = weights[NeedleWeights.EncoderFinalNorm].Data;
        _decSelf = Layers(c.NumDecoderLayers, l => AttentionWeights.Load(weights, db + "self_attn/", l, cross: false));
        _decCross = Layers(c.NumDecoderLayers, l => AttentionWeights.Load(weights, db + "cross_attn/", l, cross: true));
        _decNorm0 = Layers(c.NumDecoderLayers, l => weights[db + "ZCRMSNorm_0/scale"].Slice(l).ToArray());
        _decNorm1 = Layers(c.NumDecoderLayers, l => weights[db + "ZCRMSNorm_1/scale"].Slice(l).ToArray());
        _decSelfGate = weights[db + "self_attn_gate"].Data;
        _decCrossGate = weights[db + "cross_attn_gate"].Data;
        _decFinalNorm = weights[NeedleWeights.DecoderFinalNorm].Data;
        _contrastiveHidden = weights[NeedleWeights.ContrastiveHiddenKernel].Data;
        _contrastiveBias = weights[NeedleWeights.ContrastiveHiddenBias].Data;
        _contrastiveProj = weights[NeedleWeights.ContrastiveProjKernel].Data;

        // Decode-time copies: float16 unless some weight does not fit (then float32 for every matrix).
        DecodePrecision = decodePrecision == WeightPrecision.Float16 && FitsHalf(weights) ? WeightPrecision.Float16 : WeightPrecision.Float32;
        foreach (var w in _decSelf) w.PrepareDecode(_d, self: true, DecodePrecision);
        foreach (var w in _decCross) w.PrepareDecode(_d, self: false, DecodePrecision);
        // With float16 decode copies, the decoder's float32 q/k/v/out copies serve only teacher forcing: drop them
        // (−42 MB at 26M) and rebuild them from the float16 rows on first use (exact for float16 checkpoints).
        foreach (var w in _decSelf) w.DropFloat32();
        foreach (var w in _decCross) w.DropFloat32();
        _decodeLogits = PackedRows.FromRows(_embedding, _vocab, _d, DecodePrecision);
    }

    /// <summary>Builds the model from a loaded checkpoint (config merged over defaults, every parameter checked).</summary>
    public static SimpleAttentionNetwork FromCheckpoint(CheckpointData checkpoint, string source = "checkpoint",
        WeightPrecision decodePrecision = WeightPrecision.Float16)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var config = NeedleConfig.FromDictionary(checkpoint.Config);
        return new SimpleAttentionNetwork(NeedleWeights.FromDictionary(checkpoint.Params, config, source), decodePrecision);
    }

    private static T[] Layers<T>(int n, Func<int, T> make) => Enumerable.Range(0, n).Select(make).ToArray();

    private static bool FitsHalf(NeedleWeights w)
    {
        foreach (var (path, t) in w.Params)
        {
            if (!path.StartsWith("decoder/", StringComparison.Ordinal) && path != NeedleWeights.Embedding) continue;
            foreach (var v in t.Data)
                if (!(MathF.Abs(v) <= 65504f)) return false;
        }
        return true;
    }

    /// <summary>x += σ(gate) · SelfAttn(ZC(x)) over full sequences, x (B, T, D), RoPE at positions 0…T−1
    /// (the decoder's teacher-forced self-attention; the encoder runs its own fused loop).</summary>
    private void SelfAttentionBlock(float[] x, int b, int t, AttentionWeights w, float[] norm, float gate, bool[]? keyValid, bool causal)
    {
        var n = b * t;
        // Scratch from the shared pool: these are MB-sized per layer and would otherwise land on the large-object heap.
        var h = Rent(n * _d);                      // (B·T, D)
        var qkv = Rent(n * _qkvDim);               // (B·T, (H + 2KV)·hd)
        var attn = Rent(n * _qDim);                // (B·T, H·hd)
        try
        {
            ZcRmsNorm.Forward(x, norm, h, n, _d);
            Gemm.MatMul(h, w.Qkv, qkv, n, _qkvDim, _d);
            QkNormRope.Forward(qkv, n, _qkvDim, t, 0, _heads, _kvHeads, w.QNorm, w.KNorm, _rope);
            fixed (float* pq = qkv, po = attn)
            fixed (bool* pm = keyValid)
            {
                var s = new AttentionStrides(_qkvDim, (long)t * _qkvDim, _qkvDim, (long)t * _qkvDim, _qkvDim, (long)t * _qkvDim, _qDim, (long)t * _qDim);
                Attention.Forward(pq, pq + _qDim, pq + _qDim + _kvDim, po, s, b, t, t, _heads, _kvHeads, _hd,
                    keyValid is null ? null : pm, causal, 0, _attnScale);
            }
            // Reuse h as the projection output (B·T, D).
            Gemm.MatMul(attn.AsSpan(0, n * _qDim), w.Out, h, n, _d, _qDim);
            Elementwise.GatedResidualAdd(x, h.AsSpan(0, n * _d), gate);
        }
        finally
        {
            Return(h); Return(qkv); Return(attn);
        }
    }

    private static float[] Rent(int n) => System.Buffers.ArrayPool<float>.Shared.Rent(n);
    private static void Return(float[] a) => System.Buffers.ArrayPool<float>.Shared.Return(a);

    /// <summary>QK-norm: ZC over each head's hd values of q (and k), rows of a (N, stride) buffer starting with q | k.</summary>
    private void QkNorm(float[] buf, int rows, int stride, AttentionWeights w, bool withK)
    {
        for (var r = 0; r < rows; r++)
        {
            var q = buf.AsSpan(r * stride, _qDim);
            ZcRmsNorm.Forward(q, w.QNorm, q, _heads, _hd);
            if (!withK) continue;
            var k = buf.AsSpan(r * stride + _qDim, _kvDim);
            ZcRmsNorm.Forward(k, w.KNorm, k, _kvHeads, _hd);
        }
    }

    /// <summary>y += σ(gate) · CrossAttn(q from ZC(y), K/V of the encoded batch), y (B, T_d, D), no RoPE.</summary>
    private void CrossAttentionBlock(float[] y, int b, int t, EncodedBatch enc, int layer)
    {
        var w = _decCross[layer];
        var n = b * t;
        var h = Rent(n * _d);
        var q = Rent(n * _qDim);
        var attn = Rent(n * _qDim);
        try
        {
            ZcRmsNorm.Forward(y, _decNorm1[layer], h, n, _d);
            Gemm.MatMul(h.AsSpan(0, n * _d), w.Q, q, n, _qDim, _d);
            QkNorm(q, n, _qDim, w, withK: false);
            CrossAttend(q, enc, layer, attn, b, t, _qDim);
            Gemm.MatMul(attn.AsSpan(0, n * _qDim), w.Out, h, n, _d, _qDim);
            Elementwise.GatedResidualAdd(y, h.AsSpan(0, n * _d), _decCrossGate[layer]);
        }
        finally
        {
            Return(h); Return(q); Return(attn);
        }
    }

    /// <summary>attn (B, T, H·hd) = attention of q (rows qRow apart) over the encoded batch's K/V, encoder padding masked.</summary>
    private void CrossAttend(float[] q, EncodedBatch enc, int layer, float[] attn, int b, int t, int qRow)
    {
        var kv = enc.CrossKv[layer];
        var te = enc.Length;
        fixed (float* pq = q, pkv = kv, po = attn)
        fixed (bool* pm = enc.KeyValid)
        {
            var s = new AttentionStrides(qRow, (long)t * qRow, 2 * _kvDim, (long)te * 2 * _kvDim, 2 * _kvDim, (long)te * 2 * _kvDim, _qDim, (long)t * _qDim);
            Attention.Forward(pq, pkv, pkv + _kvDim, po, s, b, t, te, _heads, _kvHeads, _hd, pm, false, 0, _attnScale);
        }
    }

    private EncodedBatch Own(IEncodedBatch encoded)
    {
        if (encoded is not EncodedBatch e || !ReferenceEquals(e.Owner, this))
            throw new ArgumentException("The encoded batch was not produced by this model.", nameof(encoded));
        if (e.Disposed) throw new ObjectDisposedException(nameof(IEncodedBatch));
        return e;
    }
}
