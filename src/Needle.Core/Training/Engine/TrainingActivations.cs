namespace Needle.Core.Training.Engine;

/// <summary>One self-attention sublayer's saved activations (llm.c style: everything the backward reads).</summary>
internal sealed class SelfAttentionActs(int n, int d, int qkv, int q, int heads)
{
    public readonly float[] Lse = new float[n * heads];     // (B, H, T): each attention row's logsumexp (the backward's softmax)
    public readonly float[] QkvRaw = new float[n * qkv];   // (N, (H+2KV)·hd): h · [Wq | Wk | Wv]; normed/roped on demand
    public readonly float[] Attn = new float[n * q];       // (N, H·hd): attention output (out_proj input)
    public readonly float[] Proj = new float[n * d];       // (N, D): out_proj output after dropout
}

/// <summary>One cross-attention sublayer's saved activations.</summary>
internal sealed class CrossAttentionActs(int nd, int ne, int d, int kv, int q, int heads)
{
    public readonly float[] Lse = new float[nd * heads];    // (B, H, T_d): each attention row's logsumexp
    public readonly float[] QRaw = new float[nd * q];      // (Nd, H·hd); normed on demand
    public readonly float[] KvRaw = new float[ne * 2 * kv]; // (Ne, 2·KV·hd): enc_out · [Wk | Wv]; k normed on demand
    public readonly float[] Attn = new float[nd * q];      // (Nd, H·hd)
    public readonly float[] Proj = new float[nd * d];      // (Nd, D) after dropout
}

/// <summary>
/// The activation arena for one batch shape (B, T_e, T_d): residual streams, per-sublayer activations and the
/// backward's scratch, allocated once and reused across steps of the same shape.
/// </summary>
internal sealed class TrainingActivations
{
    public int Batch { get; }
    public int EncLen { get; }
    public int DecLen { get; }
    public int Ne => Batch * EncLen;
    public int Nd => Batch * DecLen;

    public readonly float[][] X;        // L_e + 1 of (Ne, D): encoder residual stream before each layer, last = pre final norm
    public readonly float[] EncOut;     // (Ne, D)
    public readonly float[][] Y;        // 2·L_d + 1 of (Nd, D): before self (2l), before cross (2l+1), last = pre final norm
    public readonly float[] DecH;       // (Nd, D) after the decoder's final norm
    public readonly SelfAttentionActs[] Enc, DecSelf;
    public readonly CrossAttentionActs[] DecCross;

    // Scratch shared by the forward and the backward (sized for the larger side). The attention operands (QK-normed,
    // RoPE'd q | k | v) are cheap elementwise functions of the stored projections, so they are rebuilt, not stored.
    public readonly float[] H;          // (max N, D) normed input, recomputed in the backward
    public readonly float[] Qkv;        // (max N, (H+2KV)·hd) self-attention operands, or cross-attention q (Nd, H·hd)
    public readonly float[] Kv;         // (Ne, 2·KV·hd) cross-attention k (normed) | v
    public readonly float[] DProj;      // (max N, D)
    public readonly float[] DAttn;      // (max N, H·hd)
    public readonly float[] DQkv;       // (max N, (H+2KV)·hd)
    public readonly float[] DH;         // (max N, D)
    public readonly float[] DKv;        // (Ne, 2·KV·hd)
    public readonly float[] DX;         // (Ne, D)
    public readonly float[] DEncOut;    // (Ne, D)
    public readonly float[] DY;         // (Nd, D)
    public readonly float[] DDecH;      // (Nd, D)
    public readonly int[] EncSeg, DecSeg; // (B, T) segment ids the attention kernel reads
    public readonly float[] RowWeights; // (Nd) CE weight per target row

    public long Bytes { get; }

    public TrainingActivations(int batch, int encLen, int decLen, int layersEnc, int layersDec, int d, int q, int kv, int heads)
    {
        Batch = batch; EncLen = encLen; DecLen = decLen;
        int ne = Ne, nd = Nd, qkv = q + 2 * kv, n = Math.Max(ne, nd);
        X = Enumerable.Range(0, layersEnc + 1).Select(_ => new float[ne * d]).ToArray();
        EncOut = new float[ne * d];
        Y = Enumerable.Range(0, 2 * layersDec + 1).Select(_ => new float[nd * d]).ToArray();
        DecH = new float[nd * d];
        Enc = Enumerable.Range(0, layersEnc).Select(_ => new SelfAttentionActs(ne, d, qkv, q, heads)).ToArray();
        DecSelf = Enumerable.Range(0, layersDec).Select(_ => new SelfAttentionActs(nd, d, qkv, q, heads)).ToArray();
        DecCross = Enumerable.Range(0, layersDec).Select(_ => new CrossAttentionActs(nd, ne, d, kv, q, heads)).ToArray();
        H = new float[n * d]; Qkv = new float[n * qkv]; Kv = new float[ne * 2 * kv]; DProj = new float[n * d]; DAttn = new float[n * q]; DQkv = new float[n * qkv]; DH = new float[n * d];
        DKv = new float[ne * 2 * kv]; DX = new float[ne * d]; DEncOut = new float[ne * d]; DY = new float[nd * d]; DDecH = new float[nd * d];
        EncSeg = new int[ne]; DecSeg = new int[nd]; RowWeights = new float[nd];
        long floats = (long)(layersEnc + 2) * ne * d + (long)(2 * layersDec + 2) * nd * d
            + (long)layersEnc * ne * (qkv + q + d) + (long)layersDec * nd * (qkv + q + d)
            + (long)layersDec * (nd * (2 * q + d) + ne * 2 * kv)
            + (long)n * (3 * d + q + 2 * qkv) + (long)ne * (4 * kv + 2 * d) + 2L * nd * d + nd
            + (long)heads * (layersEnc * ne + 2L * layersDec * nd);
        Bytes = floats * 4 + (ne + nd) * 4L;
    }

    /// <summary>Whether a batch of this shape fits (fewer rows are fine: every kernel takes its sizes explicitly).</summary>
    public bool Fits(int batch, int encLen, int decLen) => batch <= Batch && encLen == EncLen && decLen == DecLen;
}
