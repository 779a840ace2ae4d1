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

    /// <summary>Whether decoding reads the cross-attention K/V as float16 (with int8 weights: halves that traffic,
    /// 4 → 2 MB per token for 256 encoder tokens at 26M). Otherwise it reads the encoder's float32 K/V.</summary>
    public bool HalfCrossKv => DecodePrecision == WeightPrecision.Int8;

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
    private ScreenedLogits? _logitsScreen;               // int8 screen of _decodeLogits for greedy decoding; lazy
    private bool _logitsScreenBuilt;
    private GemmPackedB? _logitsPacked;                  // Eᵀ (D, V) in GEMM panels, for teacher forcing; lazy
    private readonly RopeTable _rope;

    public SimpleAttentionNetwork(NeedleWeights weights, WeightPrecision decodePrecision = WeightPrecision.Float16)
        : this(WeightSource.Of(weights ?? throw new ArgumentNullException(nameof(weights))), decodePrecision, inferenceOnly: false)
    {
    }

    /// <param name="inferenceOnly">Keep only what generation reads: the prefill weights packed (their float32 originals
    /// dropped, so the packed copies serve only the SIMD level they were built for), the decoder in the decode precision.</param>
    private SimpleAttentionNetwork(WeightSource weights, WeightPrecision decodePrecision, bool inferenceOnly)
    {
        var c = Config = weights.Config;
        _d = c.DModel; _heads = c.NumHeads; _kvHeads = c.NumKvHeads; _hd = c.HeadDim; _vocab = c.VocabSize;
        _qDim = _heads * _hd; _kvDim = _kvHeads * _hd; _qkvDim = _qDim + 2 * _kvDim;
        _embScale = MathF.Sqrt(_d);
        _attnScale = 1f / MathF.Sqrt(_hd);
        _embedding = weights.Whole(NeedleWeights.Embedding);
        _rope = new RopeTable(_hd, c.RopeTheta, 1024);

        // Decode-time copies: float16 unless some weight does not fit (then float32 for every matrix); int8 on request.
        DecodePrecision = decodePrecision switch
        {
            WeightPrecision.Int8 => WeightPrecision.Int8,
            WeightPrecision.Float16 when weights.DecoderFitsHalf() => WeightPrecision.Float16,
            _ => WeightPrecision.Float32,
        };

        // Layer by layer, so at most one layer's float32 slices exist beyond what the model keeps.
        const string eb = NeedleWeights.EncoderBlock, db = NeedleWeights.DecoderBlock;
        _enc = Layers(c.NumEncoderLayers, l =>
        {
            var w = AttentionWeights.Load(weights, eb + "self_attn/", l, cross: false);
            if (inferenceOnly) w.PackForPrefillOnly(_d, cross: false);
            return w;
        });
        _encNorm = Layers(c.NumEncoderLayers, l => weights.Layer(eb + "ZCRMSNorm_0/scale", l));
        _encGate = weights.Whole(eb + "attn_gate");
        _encFinalNorm = weights.Whole(NeedleWeights.EncoderFinalNorm);
        // With 16- or 8-bit decode copies, the decoder's float32 q/k/v/out copies serve only teacher forcing: drop them
        // (−42 MB at 26M) and rebuild them from the decode rows on first use (exact for float16 checkpoints in
        // float16; in int8, teacher forcing then sees the same dequantized weights as DecodeStep).
        _decSelf = Layers(c.NumDecoderLayers, l =>
        {
            var w = AttentionWeights.Load(weights, db + "self_attn/", l, cross: false);
            w.PrepareDecode(_d, self: true, DecodePrecision);
            w.DropFloat32();
            return w;
        });
        _decCross = Layers(c.NumDecoderLayers, l =>
        {
            var w = AttentionWeights.Load(weights, db + "cross_attn/", l, cross: true);
            w.PrepareDecode(_d, self: false, DecodePrecision);
            w.DropFloat32();
            if (inferenceOnly) w.PackForPrefillOnly(_d, cross: true);
            return w;
        });
        _decNorm0 = Layers(c.NumDecoderLayers, l => weights.Layer(db + "ZCRMSNorm_0/scale", l));
        _decNorm1 = Layers(c.NumDecoderLayers, l => weights.Layer(db + "ZCRMSNorm_1/scale", l));
        _decSelfGate = weights.Whole(db + "self_attn_gate");
        _decCrossGate = weights.Whole(db + "cross_attn_gate");
        _decFinalNorm = weights.Whole(NeedleWeights.DecoderFinalNorm);
        _contrastiveHidden = weights.Whole(NeedleWeights.ContrastiveHiddenKernel);
        _contrastiveBias = weights.Whole(NeedleWeights.ContrastiveHiddenBias);
        _contrastiveProj = weights.Whole(NeedleWeights.ContrastiveProjKernel);
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

    /// <summary>
    /// An inference-only model read straight from an open checkpoint, one layer slice at a time: no float32 copy of
    /// the checkpoint, the prefill weights only in packed form, the decoder only in <paramref name="decodePrecision"/>
    /// (26M: ~95 MB of weights instead of ~250 MB). Same outputs as <see cref="FromCheckpoint"/>; generation,
    /// teacher forcing and the contrastive head all work. The checkpoint can be disposed afterwards.
    /// </summary>
    public static SimpleAttentionNetwork ForInference(StreamedCheckpoint checkpoint, WeightPrecision decodePrecision = WeightPrecision.Float16)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return new SimpleAttentionNetwork(WeightSource.Of(checkpoint), decodePrecision, inferenceOnly: true);
    }

    /// <summary>The int8 screen of the tied logits (built on first use, ~20 ms at 26M); null with int8 decode weights.</summary>
    private ScreenedLogits? LogitsScreen =>
        LazyInitializer.EnsureInitialized(ref _logitsScreen, ref _logitsScreenBuilt, ref _screenLock, () => ScreenedLogits.TryCreate(_decodeLogits)!);
    private object? _screenLock;

    private static T[] Layers<T>(int n, Func<int, T> make)
    {
        var result = new T[n];
        for (var i = 0; i < n; i++) result[i] = make(i);
        return result;
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
