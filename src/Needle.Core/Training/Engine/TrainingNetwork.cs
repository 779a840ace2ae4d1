using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Needle.Core.Kernels;
using Needle.Core.Model;

namespace Needle.Core.Training.Engine;

/// <summary>
/// The SimpleAttentionNetwork as a trainable float32 graph (needle-model.md §2): a forward over a packed batch that
/// keeps its activations in a <see cref="TrainingActivations"/> arena, and a hand-written backward that accumulates
/// the gradient of every leaf (by checkpoint path). Masks are the packed training masks (segment ids, 0 = pad);
/// dropout sits on each sublayer output before the gate. The weights are read live from the <see cref="NeedleWeights"/>
/// arrays (the optimizer updates them in place); <see cref="KernelOverrides"/> swaps kernels for a step (INT4 QAT,
/// straight-through: the gradient goes to the original leaf).
/// </summary>
internal sealed unsafe partial class TrainingNetwork
{
    private readonly NeedleConfig _c;
    private readonly int _d, _heads, _kvHeads, _hd, _q, _kv, _qkv, _vocab, _le, _ld;
    private readonly float _embScale, _attnScale;
    private readonly RopeTable _rope;
    private readonly IReadOnlyDictionary<string, float[]> _params;
    private TrainingActivations? _acts;
    private TrainBatch? _batch;     // the batch of the last forward (the backward's input)
    private DropoutPlan _drop;

    public IReadOnlyDictionary<string, float[]> Grads { get; }
    public Dictionary<string, float[]> KernelOverrides { get; } = new(StringComparer.Ordinal);
    public long ActivationBytes => _acts?.Bytes ?? 0;

    public TrainingNetwork(NeedleWeights weights)
    {
        _c = weights.Config;
        _d = _c.DModel; _heads = _c.NumHeads; _kvHeads = _c.NumKvHeads; _hd = _c.HeadDim; _vocab = _c.VocabSize;
        _q = _heads * _hd; _kv = _kvHeads * _hd; _qkv = _q + 2 * _kv;
        _le = _c.NumEncoderLayers; _ld = _c.NumDecoderLayers;
        _embScale = MathF.Sqrt(_d);
        _attnScale = 1f / MathF.Sqrt(_hd);
        _rope = new RopeTable(_hd, _c.RopeTheta, 1024);
        _params = weights.Params.ToDictionary(kv => kv.Key, kv => kv.Value.Data, StringComparer.Ordinal);
        Grads = weights.Params.ToDictionary(kv => kv.Key, kv => new float[kv.Value.Length], StringComparer.Ordinal);
    }

    private float[] P(string path) => KernelOverrides.TryGetValue(path, out var o) ? o : _params[path];
    private AttentionLeaves Values(string prefix) => new(P(prefix + "q_proj/kernel"), P(prefix + "k_proj/kernel"),
        P(prefix + "v_proj/kernel"), P(prefix + "out_proj/kernel"), P(prefix + "q_norm/scale"), P(prefix + "k_norm/scale"));

    public void ZeroGrads()
    {
        foreach (var g in Grads.Values) Array.Clear(g);
    }

    private TrainingActivations Arena(TrainBatch b)
    {
        if (_acts is null || !_acts.Fits(b.BatchSize, b.EncLen, b.DecLen))  // a smaller last micro-batch reuses it
        {
            _acts = null; // let the old arena go before allocating the new one
            _acts = new TrainingActivations(b.BatchSize, b.EncLen, b.DecLen, _le, _ld, _d, _q, _kv, _heads);
        }
        return _acts;
    }

    /// <summary>The dropout stream of a sublayer: encoder l, decoder self 1000+l, decoder cross 2000+l.</summary>
    private static int Stream(int kind, int layer) => kind * 1000 + layer;

    /// <summary>
    /// Runs the forward pass and the text loss (dropout 0 = evaluation). With <paramref name="backward"/> the gradients
    /// are zeroed and the loss's own gradient (dLogits folded into dH and the tied embedding) is taken; call
    /// <see cref="Backward"/> next. withZLoss false and uniform weights give the validation loss of §4.2.
    /// </summary>
    /// <param name="rowBase">Index of this (micro-)batch's first row in the full batch: dropout masks are addressed by
    /// global element index, so splitting a batch into micro-batches does not change them.</param>
    /// <param name="totals">(non-pad targets, positions) of the full batch, for the CE and z-loss normalizers when this is a
    /// micro-batch; null = this batch's own.</param>
    /// <param name="accumulate">Add to the existing gradients instead of zeroing them first.</param>
    public ForwardLoss Forward(TrainBatch b, LossWeights weights, bool withZLoss, float dropout, long seed, long step, bool backward,
        int rowBase = 0, (int Tokens, int Positions)? totals = null, bool accumulate = false)
    {
        Validate(b);
        var a = Arena(b);
        int bs = b.BatchSize, te = b.EncLen, td = b.DecLen, ne = bs * te, nd = bs * td;
        b.EncSeg.CopyTo(a.EncSeg, 0);
        b.DecSeg.CopyTo(a.DecSeg, 0);
        var drop = _drop = new DropoutPlan(dropout, seed, step, rowBase, bs);
        _batch = b;

        // Encoder
        var emb = P(NeedleWeights.Embedding);
        using (StepProfile.Time(StepProfile.Part.Embedding)) Elementwise.EmbeddingGather(emb, _d, b.Enc, a.X[0], _embScale);
        var eb = NeedleWeights.EncoderBlock;
        var encLeaves = Values(AttentionLeaves.EncoderSelf);
        for (var l = 0; l < _le; l++)
            SelfForward(a, a.X[l], a.X[l + 1], a.Enc[l], encLeaves, l, P(eb + "ZCRMSNorm_0/scale"), P(eb + "attn_gate")[l],
                bs, te, a.EncSeg, causal: false, drop, Stream(0, l));
        NormRows(a.X[_le], P(NeedleWeights.EncoderFinalNorm), a.EncOut, ne);

        // Decoder
        Elementwise.EmbeddingGather(emb, _d, b.DecIn, a.Y[0], _embScale);
        var db = NeedleWeights.DecoderBlock;
        var selfLeaves = Values(AttentionLeaves.DecoderSelf);
        var crossLeaves = Values(AttentionLeaves.DecoderCross);
        for (var l = 0; l < _ld; l++)
        {
            SelfForward(a, a.Y[2 * l], a.Y[2 * l + 1], a.DecSelf[l], selfLeaves, l, P(db + "ZCRMSNorm_0/scale"), P(db + "self_attn_gate")[l],
                bs, td, a.DecSeg, causal: true, drop, Stream(1, l));
            CrossForward(a, a.Y[2 * l + 1], a.Y[2 * l + 2], a.DecCross[l], crossLeaves, l, P(db + "ZCRMSNorm_1/scale"),
                P(db + "cross_attn_gate")[l], bs, td, te, drop, Stream(2, l));
        }
        NormRows(a.Y[2 * _ld], P(NeedleWeights.DecoderFinalNorm), a.DecH, nd);

        // Loss (§4.1): CE weighted by class, normalized by the non-pad count; z-loss over every position.
        var tokens = 0;
        for (var i = 0; i < nd; i++)
        {
            var valid = b.DecSeg[i] > 0;
            if (valid) tokens++;
            a.RowWeights[i] = valid ? weights[(TokenClass)b.Loss[i]] : 0f;
        }
        var (allTokens, allPositions) = totals ?? (tokens, nd);
        double ceScale = 1.0 / Math.Max(allTokens, 1), zScale = withZLoss ? TextLoss.ZLossWeight / allPositions : 0.0;
        if (backward && !accumulate)
            using (StepProfile.Time(StepProfile.Part.Elementwise, "ZeroGrads")) ZeroGrads();
        using var loss = StepProfile.Time(StepProfile.Part.Loss);
        var sums = TiedCrossEntropy.ForwardBackward(a.DecH, emb, b.DecTgt, a.RowWeights, nd, _d, _vocab, ceScale, zScale,
            backward ? a.DDecH : default, backward ? Grads[NeedleWeights.Embedding] : default);
        double ce = sums.WeightedCe * ceScale, z = sums.LseSquared * zScale;
        return new ForwardLoss(ce + z, ce, z, sums.UnweightedCe, tokens, nd);
    }

    private void Validate(TrainBatch b)
    {
        ArgumentNullException.ThrowIfNull(b);
        int ne = b.BatchSize * b.EncLen, nd = b.BatchSize * b.DecLen;
        if (b.BatchSize <= 0 || b.EncLen <= 0 || b.DecLen <= 0)
            throw new ArgumentException($"Training batch needs positive sizes, got B={b.BatchSize}, T_e={b.EncLen}, T_d={b.DecLen}.");
        if (b.Enc.Length != ne || b.EncSeg.Length != ne || b.DecIn.Length != nd || b.DecTgt.Length != nd || b.DecSeg.Length != nd || b.Loss.Length != nd)
            throw new ArgumentException($"Training batch arrays do not match (B={b.BatchSize}, T_e={b.EncLen}, T_d={b.DecLen}).");
        foreach (var t in b.DecTgt)
            if ((uint)t >= (uint)_vocab) throw new ArgumentException($"target id {t} is outside the vocabulary [0, {_vocab}).");
        foreach (var c in b.Loss)
            if ((uint)c > 3) throw new ArgumentException($"loss class {c} is not one of 0..3.");
    }

    // ------------------------------------------------------------------ sublayers

    /// <summary>x_out = x_in + σ(g) · Dropout(SelfAttn(ZC(x_in))) for (B, T) rows; saves what the backward needs.</summary>
    private void SelfForward(TrainingActivations a, float[] xIn, float[] xOut, SelfAttentionActs s, AttentionLeaves w, int l,
        float[] norms, float gate, int bs, int t, int[] seg, bool causal, DropoutPlan drop, int stream)
    {
        var n = bs * t;
        var h = a.H;
        NormRows(xIn, norms.AsSpan(l * _d, _d).ToArray(), h, n);
        Project(h, n, _d, w.Wq, l, _q, s.QkvRaw, _qkv, 0);
        Project(h, n, _d, w.Wk, l, _kv, s.QkvRaw, _qkv, _q);
        Project(h, n, _d, w.Wv, l, _kv, s.QkvRaw, _qkv, _q + _kv);
        SelfOperands(s.QkvRaw, a.Qkv, w, l, bs, t);
        AttendForward(a.Qkv, 0, _qkv, a.Qkv, _q, _q + _kv, _qkv, s.Attn, s.Lse, seg, seg, bs, t, t, causal);
        using (StepProfile.Time(StepProfile.Part.Projections, "out_proj forward"))
            Gemm.MatMul(s.Attn, _q, false, w.Wo.AsSpan(l * _q * _d), _d, false, s.Proj, _d, n, _d, _q);
        GateForward(xIn, xOut, s.Proj, n, gate, drop, stream);
    }

    private void CrossForward(TrainingActivations a, float[] yIn, float[] yOut, CrossAttentionActs s, AttentionLeaves w, int l,
        float[] norms, float gate, int bs, int td, int te, DropoutPlan drop, int stream)
    {
        int nd = bs * td, ne = bs * te;
        var h = a.H;
        NormRows(yIn, norms.AsSpan(l * _d, _d).ToArray(), h, nd);
        Project(h, nd, _d, w.Wq, l, _q, s.QRaw, _q, 0);
        Project(a.EncOut, ne, _d, w.Wk, l, _kv, s.KvRaw, 2 * _kv, 0);
        Project(a.EncOut, ne, _d, w.Wv, l, _kv, s.KvRaw, 2 * _kv, _kv);
        CrossOperands(s, a, w, l, nd, ne);
        AttendForward(a.Qkv, 0, _q, a.Kv, 0, _kv, 2 * _kv, s.Attn, s.Lse, a.DecSeg, a.EncSeg, bs, td, te, causal: false);
        using (StepProfile.Time(StepProfile.Part.Projections, "out_proj forward"))
            Gemm.MatMul(s.Attn, _q, false, w.Wo.AsSpan(l * _q * _d), _d, false, s.Proj, _d, nd, _d, _q);
        GateForward(yIn, yOut, s.Proj, nd, gate, drop, stream);
    }

    /// <summary>out[:, offset : offset+cols] (rows, ldOut) = x (rows, in) · W[l] (in, cols).</summary>
    private static void Project(float[] x, int rows, int inF, float[] w, int l, int cols, float[] output, int ldOut, int offset)
    {
        using var _ = StepProfile.Time(StepProfile.Part.Projections);
        Gemm.MatMul(x, inF, false, w.AsSpan(l * inF * cols, inF * cols), cols, false, output.AsSpan(offset), ldOut, rows, cols, inF);
    }

    private void NormRows(float[] x, float[] gamma, float[] y, int rows, [CallerMemberName] string caller = "")
    {
        using var _ = StepProfile.Time(StepProfile.Part.Elementwise, StepProfile.Enabled ? $"NormRows in {caller}" : "");
        RowParallel.For(rows, _d, (_, r0, r1) =>
            ZcRmsNorm.Forward(x.AsSpan(r0 * _d, (r1 - r0) * _d), gamma, y.AsSpan(r0 * _d, (r1 - r0) * _d), r1 - r0, _d));
    }

    /// <summary>x_out = x_in + σ(g) · dropout(proj); proj keeps the dropped values for the backward.</summary>
    private void GateForward(float[] xIn, float[] xOut, float[] proj, int n, float gate, DropoutPlan drop, int stream)
    {
        using var _ = StepProfile.Time(StepProfile.Part.Elementwise);
        var sg = Elementwise.Sigmoid(gate);
        var key = drop.Key(stream);
        RowParallel.For(n, _d, (_, r0, r1) =>
        {
            int o = r0 * _d, len = (r1 - r0) * _d;
            GatedResidual.ForwardDropout(proj.AsSpan(o, len), xIn.AsSpan(o, len), xOut.AsSpan(o, len), sg,
                drop.Active ? drop.Rate : 0f, key, drop.Offset(n, _d) + o);
        });
    }

    /// <summary>The dropout of one step: rate and the key derivation (inactive when rate is 0).</summary>
    private readonly record struct DropoutPlan(float Rate, long Seed, long Step, int RowBase, int Rows)
    {
        public bool Active => Rate > 0f;
        public ulong Key(int stream) => Dropout.Key(Seed, Step, stream);

        /// <summary>Global element index of this micro-batch's first value in an (N = Rows·T, width) tensor.</summary>
        public long Offset(int n, int width) => (long)RowBase * (n / Rows) * width;
    }
}
