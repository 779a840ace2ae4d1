using Needle.Core.Inference;
using Needle.Core.Kernels;
using Needle.Core.Tensors;

namespace Needle.Core.Model;

public sealed unsafe partial class SimpleAttentionNetwork
{
    // ---------------------------------------------------------------- full-sequence decoder (teacher forcing)

    /// <summary>
    /// Teacher-forced forward pass: logits (B, T_d, V) for sources (right-padded with PAD, PAD keys masked) and targets
    /// (right-padded with PAD; causal self-attention only, like upstream inference).
    /// </summary>
    public Tensor Forward(IReadOnlyList<int[]> sources, IReadOnlyList<int[]> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count != sources.Count)
            throw new ArgumentException($"Forward: {sources.Count} sources but {targets.Count} targets.", nameof(targets));
        using var enc = Encode(sources);
        return Decode((EncodedBatch)enc, targets);
    }

    /// <summary>
    /// Teacher-forced decoder over an encoded batch: logits (B, T_d, V). With float16 decode weights it uses the
    /// float16-valued decoder weights, like <see cref="DecodeStep"/> (identical for float16 checkpoints).
    /// </summary>
    public Tensor Decode(IEncodedBatch encoded, IReadOnlyList<int[]> targets)
    {
        var enc = Own(encoded);
        foreach (var w in _decSelf) w.RestoreFloat32();
        foreach (var w in _decCross) w.RestoreFloat32();
        int b = enc.BatchSize, t = targets.Max(s => s.Length);
        if (targets.Count != b) throw new ArgumentException($"Decode: batch of {b} but {targets.Count} targets.", nameof(targets));
        if (t == 0) throw new ArgumentException("Decode: targets are empty.", nameof(targets));
        var tokens = new int[b * t];
        Array.Fill(tokens, Config.PadTokenId);
        for (var i = 0; i < b; i++) targets[i].CopyTo(tokens, i * t);

        var y = new float[b * t * _d]; // (B, T_d, D)
        Elementwise.EmbeddingGather(_embedding, _d, tokens, y, _embScale);
        for (var l = 0; l < _decSelf.Length; l++)
        {
            SelfAttentionBlock(y, b, t, _decSelf[l], _decNorm0[l], _decSelfGate[l], keyValid: null, causal: true);
            CrossAttentionBlock(y, b, t, enc, l);
        }
        ZcRmsNorm.Forward(y, _decFinalNorm, y, b * t, _d);
        var logits = new Tensor(b, t, _vocab);
        // Tied: h · Eᵀ against the embedding packed once (16 MB at 26M, built on first use): re-packing all of E
        // on every call dominated this product for short targets.
        var packedE = LazyInitializer.EnsureInitialized(ref _logitsPacked, () => new GemmPackedB(_embedding, _d, _vocab, transB: true));
        Gemm.MatMul(y, packedE, logits.Data, b * t);
        return logits;
    }

    // ---------------------------------------------------------------- incremental decoder (KV cache)

    public IDecoderState StartDecoder(IEncodedBatch encoded) => StartDecoder(encoded, greedy: false);

    /// <summary>
    /// Greedy tokens this model decodes before its greedy decoders screen the logits (building the screen takes ~25 ms
    /// and 4.5 MB at 26M, once): a one-shot <c>needle run</c> never pays for it, a long-lived playground pays once.
    /// 0 screens from the first decoder. The output is the same either way.
    /// </summary>
    public long ScreenLogitsAfter { get; set; } = 256;
    private long _greedyTokens;

    /// <summary>For one row with float16/float32 decode weights, the tied logits are screened through an int8 copy
    /// (once <see cref="ScreenLogitsAfter"/> greedy tokens have been decoded).</summary>
    public IDecoderState StartGreedyDecoder(IEncodedBatch encoded) => StartDecoder(encoded, greedy: true);

    private DecoderState StartDecoder(IEncodedBatch encoded, bool greedy)
    {
        var enc = Own(encoded);
        var screen = greedy && enc.BatchSize == 1 && Interlocked.Read(ref _greedyTokens) >= ScreenLogitsAfter ? LogitsScreen : null;
        var b = enc.BatchSize;
        const int capacity = 16;
        return new DecoderState
        {
            Encoded = enc,
            Capacity = capacity,
            SelfKv = Layers(_decSelf.Length, _ => new float[b * capacity * 2 * _kvDim]),
            CrossKvHalf = HalfCrossKv ? enc.CrossKvHalf : null,
            X = new float[b * _d], H = new float[b * _d], Qkv = new float[b * _qkvDim],
            Attn = new float[b * _qDim], O = new float[b * _d],
            Greedy = greedy, Screen = screen, Exact = screen is null ? [] : new bool[_vocab],
        };
    }

    public void DecodeStep(IDecoderState state, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (state is not DecoderState s || !ReferenceEquals(s.Encoded.Owner, this))
            throw new ArgumentException("The decoder state was not started by this model.", nameof(state));
        if (s.Disposed || s.Encoded.Disposed) throw new ObjectDisposedException(nameof(IDecoderState));
        var b = s.Encoded.BatchSize;
        if (tokens.Length != b) throw new ArgumentException($"DecodeStep: {tokens.Length} tokens for a batch of {b}.", nameof(tokens));
        if (logits.Length < b * _vocab) throw new ArgumentException($"DecodeStep: logits needs {b}×{_vocab} floats.", nameof(logits));
        var pos = s.Length;
        if (pos == s.Capacity) Grow(s);
        var kvRow = 2 * _kvDim;

        var clock = DecodeProfile.Start();
        Elementwise.EmbeddingGather(_embedding, _d, tokens, s.X, _embScale); // (B, D)
        DecodeProfile.Lap(DecodeSection.Embed, ref clock);
        for (var l = 0; l < _decSelf.Length; l++)
        {
            var w = _decSelf[l];
            ZcRmsNorm.Forward(s.X, _decNorm0[l], s.H, b, _d);
            DecodeProfile.Lap(DecodeSection.Norms, ref clock);
            MatVec.Forward(s.H, w.DecodeQkv!, s.Qkv, b);                   // (B, (H+2KV)·hd)
            DecodeProfile.Lap(DecodeSection.SelfQkv, ref clock);
            QkNorm(s.Qkv, b, _qkvDim, w, withK: true);
            for (var i = 0; i < b; i++)                                     // every batch row is one token at `pos`
            {
                var row = s.Qkv.AsSpan(i * _qkvDim, _qkvDim);
                Rope.Forward(row, 1, _heads, pos, _rope);
                Rope.Forward(row[_qDim..], 1, _kvHeads, pos, _rope);
            }
            DecodeProfile.Lap(DecodeSection.QkNormRope, ref clock);
            var cache = s.SelfKv[l];                                        // (B, Capacity, 2·KV·hd)
            for (var i = 0; i < b; i++)
                s.Qkv.AsSpan(i * _qkvDim + _qDim, kvRow).CopyTo(cache.AsSpan((i * s.Capacity + pos) * kvRow, kvRow));
            fixed (float* pq = s.Qkv, pc = cache, po = s.Attn)
                DecodeAttention.Forward(pq, _qkvDim, pc, pc + _kvDim, kvRow, (long)s.Capacity * kvRow, po, _qDim,
                    b, pos + 1, _heads, _kvHeads, _hd, null, _attnScale);
            DecodeProfile.Lap(DecodeSection.SelfAttention, ref clock);
            MatVec.Forward(s.Attn, w.DecodeOut!, s.O, b);
            DecodeProfile.Lap(DecodeSection.SelfOut, ref clock);
            Elementwise.GatedResidualAdd(s.X, s.O, _decSelfGate[l]);
            DecodeProfile.Lap(DecodeSection.Residuals, ref clock);

            var cw = _decCross[l];
            ZcRmsNorm.Forward(s.X, _decNorm1[l], s.H, b, _d);
            DecodeProfile.Lap(DecodeSection.Norms, ref clock);
            MatVec.Forward(s.H, cw.DecodeQ!, s.Qkv, b);                    // q only: (B, H·hd)
            DecodeProfile.Lap(DecodeSection.CrossQ, ref clock);
            QkNorm(s.Qkv, b, _qDim, cw, withK: false);
            DecodeProfile.Lap(DecodeSection.QkNormRope, ref clock);
            CrossAttendStep(s, l);
            DecodeProfile.Lap(DecodeSection.CrossAttention, ref clock);
            MatVec.Forward(s.Attn, cw.DecodeOut!, s.O, b);
            DecodeProfile.Lap(DecodeSection.CrossOut, ref clock);
            Elementwise.GatedResidualAdd(s.X, s.O, _decCrossGate[l]);
            DecodeProfile.Lap(DecodeSection.Residuals, ref clock);
        }
        ZcRmsNorm.Forward(s.X, _decFinalNorm, s.H, b, _d);
        DecodeProfile.Lap(DecodeSection.Norms, ref clock);
        if (s.Screen is { } screen)                                        // tied: h · Eᵀ, (1, V), screened
        {
            s.ExactRows += screen.Forward(s.H, logits, s.Exact, out _);
            s.ScreenedSteps++;
        }
        else MatVec.Forward(s.H, _decodeLogits, logits, b);                // tied: h · Eᵀ, (B, V)
        DecodeProfile.Lap(DecodeSection.Logits, ref clock);
        DecodeProfile.EndStep();
        if (s.Greedy) Interlocked.Increment(ref _greedyTokens);
        s.Length = pos + 1;
    }

    /// <summary>s.Attn (B, H·hd) = attention of the step's cross queries s.Qkv (B, H·hd) over layer l's encoder K/V.</summary>
    private void CrossAttendStep(DecoderState s, int l)
    {
        var enc = s.Encoded;
        int b = enc.BatchSize, te = enc.Length;
        long row = 2 * _kvDim, batchStride = te * row;
        fixed (float* pq = s.Qkv, po = s.Attn)
        fixed (bool* pm = enc.KeyValid)
        {
            if (HalfCrossKv)
                fixed (ushort* pkv = s.CrossKvHalf![l])
                    DecodeAttention.ForwardParallel(pq, _qDim, pkv, pkv + _kvDim, row, batchStride, po, _qDim, b, te, _heads, _kvHeads, _hd, pm, _attnScale);
            else
                fixed (float* pkv = enc.CrossKv[l])
                    DecodeAttention.ForwardParallel(pq, _qDim, pkv, pkv + _kvDim, row, batchStride, po, _qDim, b, te, _heads, _kvHeads, _hd, pm, _attnScale);
        }
    }

    private void Grow(DecoderState s)
    {
        var b = s.Encoded.BatchSize;
        var kvRow = 2 * _kvDim;
        var capacity = s.Capacity * 2;
        var grown = new float[s.SelfKv.Length][];
        for (var l = 0; l < grown.Length; l++)
        {
            grown[l] = new float[b * capacity * kvRow];
            for (var i = 0; i < b; i++)
                s.SelfKv[l].AsSpan(i * s.Capacity * kvRow, s.Length * kvRow).CopyTo(grown[l].AsSpan(i * capacity * kvRow));
        }
        s.SelfKv = grown;
        s.Capacity = capacity;
    }

    // ---------------------------------------------------------------- contrastive head

    public float[] EncodeContrastive(int[] tokens) => EncodeContrastive([tokens])[0];

    /// <summary>
    /// Retrieval embeddings: mean of enc_out over non-PAD positions (divisor max(count, 1)), relu(·W_h + b_h), ·W_p,
    /// L2-normalized with 1e-12 inside the sqrt. One (contrastive_dim) vector per sequence.
    /// </summary>
    public float[][] EncodeContrastive(IReadOnlyList<int[]> sequences)
    {
        using var encoded = Encode(sequences);
        var enc = (EncodedBatch)encoded;
        int t = enc.Length, cd = Config.ContrastiveDim;
        var result = new float[enc.BatchSize][];
        var pooled = new float[_d];
        var hidden = new float[cd];
        for (var i = 0; i < enc.BatchSize; i++)
        {
            Array.Clear(pooled);
            var count = 0;
            for (var j = 0; j < t; j++)
            {
                if (!enc.KeyValid[i * t + j]) continue;
                count++;
                System.Numerics.Tensors.TensorPrimitives.Add(pooled, enc.Output.AsSpan((i * t + j) * _d, _d), pooled);
            }
            System.Numerics.Tensors.TensorPrimitives.Multiply(pooled, 1f / Math.Max(count, 1), pooled);
            Gemm.MatMul(pooled, _contrastiveHidden, hidden, 1, cd, _d, parallel: false);
            for (var c = 0; c < cd; c++) hidden[c] = MathF.Max(0f, hidden[c] + _contrastiveBias[c]);
            var v = result[i] = new float[cd];
            Gemm.MatMul(hidden, _contrastiveProj, v, 1, cd, cd, parallel: false);
            double ss = 0;
            foreach (var x in v) ss += (double)x * x;
            var inv = (float)(1.0 / Math.Sqrt(ss + 1e-12));
            System.Numerics.Tensors.TensorPrimitives.Multiply(v, inv, v);
        }
        return result;
    }
}
