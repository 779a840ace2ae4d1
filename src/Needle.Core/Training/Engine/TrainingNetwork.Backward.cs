using System.Numerics.Tensors;
using Needle.Core.Kernels;
using Needle.Core.Model;

namespace Needle.Core.Training.Engine;

internal sealed unsafe partial class TrainingNetwork
{
    /// <summary>
    /// Backpropagates the loss of the last <see cref="Forward"/> (with backward: true) through the whole network,
    /// accumulating into <see cref="Grads"/> (the tied embedding gets its output-side gradient from the loss and its
    /// input-side gradient from both embedding lookups here). The contrastive head's leaves stay zero.
    /// </summary>
    public void Backward()
    {
        var b = _batch ?? throw new InvalidOperationException("Backward needs a Forward(backward: true) first.");
        var a = _acts!;
        int bs = b.BatchSize, te = b.EncLen, td = b.DecLen, ne = bs * te, nd = bs * td;
        string eb = NeedleWeights.EncoderBlock, db = NeedleWeights.DecoderBlock;

        // Decoder final norm: dY = ZC'(Y_last; dDecH)
        ZcBackward(a.Y[2 * _ld], P(NeedleWeights.DecoderFinalNorm), a.DDecH, a.DY, Grads[NeedleWeights.DecoderFinalNorm], nd, accumulate: false);
        Array.Clear(a.DEncOut);
        var selfW = Values(AttentionLeaves.DecoderSelf);
        var crossW = Values(AttentionLeaves.DecoderCross);
        var selfG = AttentionLeaves.From(Grads, AttentionLeaves.DecoderSelf);
        var crossG = AttentionLeaves.From(Grads, AttentionLeaves.DecoderCross);
        for (var l = _ld - 1; l >= 0; l--)
        {
            CrossBackward(a, a.Y[2 * l + 1], a.DY, a.DecCross[l], crossW, crossG, l, P(db + "ZCRMSNorm_1/scale"), Grads[db + "ZCRMSNorm_1/scale"],
                P(db + "cross_attn_gate"), Grads[db + "cross_attn_gate"], bs, td, te, Stream(2, l));
            SelfBackward(a, a.Y[2 * l], a.DY, a.DecSelf[l], selfW, selfG, l, P(db + "ZCRMSNorm_0/scale"), Grads[db + "ZCRMSNorm_0/scale"],
                P(db + "self_attn_gate"), Grads[db + "self_attn_gate"], bs, td, a.DecSeg, causal: true, Stream(1, l));
        }
        var dEmb = Grads[NeedleWeights.Embedding];
        using (StepProfile.Time(StepProfile.Part.Embedding)) EmbeddingBackward.ScatterAdd(a.DY, b.DecIn, dEmb, _d, _embScale);

        // Encoder: its output feeds every cross-attention's K/V.
        ZcBackward(a.X[_le], P(NeedleWeights.EncoderFinalNorm), a.DEncOut, a.DX, Grads[NeedleWeights.EncoderFinalNorm], ne, accumulate: false);
        var encW = Values(AttentionLeaves.EncoderSelf);
        var encG = AttentionLeaves.From(Grads, AttentionLeaves.EncoderSelf);
        for (var l = _le - 1; l >= 0; l--)
            SelfBackward(a, a.X[l], a.DX, a.Enc[l], encW, encG, l, P(eb + "ZCRMSNorm_0/scale"), Grads[eb + "ZCRMSNorm_0/scale"],
                P(eb + "attn_gate"), Grads[eb + "attn_gate"], bs, te, a.EncSeg, causal: false, Stream(0, l));
        using (StepProfile.Time(StepProfile.Part.Embedding)) EmbeddingBackward.ScatterAdd(a.DX, b.Enc, dEmb, _d, _embScale);
    }

    /// <summary>dx holds dL/d(x_out) on entry and dL/d(x_in) on return.</summary>
    private void SelfBackward(TrainingActivations a, float[] xIn, float[] dx, SelfAttentionActs s, AttentionLeaves w, AttentionLeaves g, int l,
        float[] norms, float[] dNorms, float[] gates, float[] dGates, int bs, int t, int[] seg, bool causal, int stream)
    {
        var n = bs * t;
        dGates[l] += GateBackward(dx, s.Proj, a.DProj, n, gates[l], stream);
        // out_proj: dAttn = dProj · Woᵀ, dWo += Attnᵀ · dProj
        LinearBackward(s.Attn, n, _q, w.Wo, g.Wo, l, _d, a.DProj, _d, 0, a.DAttn, _q, accumulateDx: false);
        SelfOperands(s.QkvRaw, a.Qkv, w, l, bs, t);
        AttendBackward(a.Qkv, 0, _qkv, a.Qkv, _q, _q + _kv, _qkv, a.DAttn, s.Lse, a.DQkv, 0, a.DQkv, _q, _q + _kv, seg, seg, bs, t, t, causal);
        SelfOperandsBackward(s.QkvRaw, a.DQkv, w, g, l, n, t);
        // Input projections from the recomputed norm output h.
        var gamma = norms.AsSpan(l * _d, _d).ToArray();
        NormRows(xIn, gamma, a.H, n);
        LinearBackward(a.H, n, _d, w.Wq, g.Wq, l, _q, a.DQkv, _qkv, 0, a.DH, _d, accumulateDx: false);
        LinearBackward(a.H, n, _d, w.Wk, g.Wk, l, _kv, a.DQkv, _qkv, _q, a.DH, _d, accumulateDx: true);
        LinearBackward(a.H, n, _d, w.Wv, g.Wv, l, _kv, a.DQkv, _qkv, _q + _kv, a.DH, _d, accumulateDx: true);
        ZcBackward(xIn, gamma, a.DH, dx, dNorms.AsSpan(l * _d, _d), n, accumulate: true);
    }

    private void CrossBackward(TrainingActivations a, float[] yIn, float[] dy, CrossAttentionActs s, AttentionLeaves w, AttentionLeaves g, int l,
        float[] norms, float[] dNorms, float[] gates, float[] dGates, int bs, int td, int te, int stream)
    {
        int nd = bs * td, ne = bs * te;
        dGates[l] += GateBackward(dy, s.Proj, a.DProj, nd, gates[l], stream);
        LinearBackward(s.Attn, nd, _q, w.Wo, g.Wo, l, _d, a.DProj, _d, 0, a.DAttn, _q, accumulateDx: false);
        var dq = a.DQkv; // (Nd, H·hd) contiguous here
        CrossOperands(s, a, w, l, nd, ne);
        AttendBackward(a.Qkv, 0, _q, a.Kv, 0, _kv, 2 * _kv, a.DAttn, s.Lse, dq, 0, a.DKv, 0, _kv, a.DecSeg, a.EncSeg, bs, td, te, causal: false);
        CrossOperandsBackward(s, dq, a.DKv, w, g, l, nd, ne);
        // K/V projections of the encoder output: dWk, dWv and dEncOut (summed over decoder layers).
        LinearBackward(a.EncOut, ne, _d, w.Wk, g.Wk, l, _kv, a.DKv, 2 * _kv, 0, a.DEncOut, _d, accumulateDx: true);
        LinearBackward(a.EncOut, ne, _d, w.Wv, g.Wv, l, _kv, a.DKv, 2 * _kv, _kv, a.DEncOut, _d, accumulateDx: true);
        var gamma = norms.AsSpan(l * _d, _d).ToArray();
        NormRows(yIn, gamma, a.H, nd);
        LinearBackward(a.H, nd, _d, w.Wq, g.Wq, l, _q, dq, _q, 0, a.DH, _d, accumulateDx: false);
        ZcBackward(yIn, gamma, a.DH, dy, dNorms.AsSpan(l * _d, _d), nd, accumulate: true);
    }

    /// <summary>
    /// For y[:, yOff : yOff+outF] = x (rows, inF) · W[l] (inF, outF) with dy rows ldy apart:
    /// dW[l] += xᵀ · dy and dx (rows, inF) = (or +=) dy · W[l]ᵀ.
    /// </summary>
    private static void LinearBackward(float[] x, int rows, int inF, float[] w, float[] dW, int l, int outF,
        float[] dy, int ldy, int yOff, float[] dx, int ldx, bool accumulateDx)
    {
        var wl = w.AsSpan(l * inF * outF, inF * outF);
        var dyv = dy.AsSpan(yOff);
        using (StepProfile.Time(StepProfile.Part.Projections, "dW += Xt dY"))
            Gemm.MatMul(x, inF, true, dyv, ldy, false, dW.AsSpan(l * inF * outF, inF * outF), outF, inF, outF, rows, accumulate: true);
        using (StepProfile.Time(StepProfile.Part.Projections, "dX = dY Wt"))
            Gemm.MatMul(dyv, ldy, false, wl, outF, true, dx, ldx, rows, inF, outF, accumulate: accumulateDx);
    }

    /// <summary>dx (=|+=) ZC-RMSNorm backward of rows of x with γ; dγ accumulates (per-part partials summed in order).</summary>
    private void ZcBackward(float[] x, float[] gamma, float[] dy, float[] dx, Span<float> dGamma, int rows, bool accumulate)
    {
        using var _ = StepProfile.Time(StepProfile.Part.Elementwise);
        var parts = RowParallel.Parts(rows, _d);
        var partial = new float[parts * _d];
        RowParallel.For(rows, _d, (p, r0, r1) =>
        {
            var span = (r1 - r0) * _d;
            ZcRmsNormBackward.Backward(x.AsSpan(r0 * _d, span), gamma, dy.AsSpan(r0 * _d, span), dx.AsSpan(r0 * _d, span),
                partial.AsSpan(p * _d, _d), r1 - r0, _d, accumulate);
        });
        for (var p = 0; p < parts; p++) TensorPrimitives.Add(dGamma, partial.AsSpan(p * _d, _d), dGamma);
    }

    /// <summary>dProj = dropout'(σ(g) · dOut); returns dg = σ'(g) · Σ dOut ⊙ proj (proj already dropped).</summary>
    private float GateBackward(float[] dOut, float[] proj, float[] dProj, int n, float gate, int stream)
    {
        using var _ = StepProfile.Time(StepProfile.Part.Elementwise);
        var sg = Elementwise.Sigmoid(gate);
        var parts = RowParallel.Parts(n, _d);
        var dots = new double[parts];
        var drop = _drop;
        var key = drop.Key(stream);
        RowParallel.For(n, _d, (p, r0, r1) =>
        {
            int o = r0 * _d, len = (r1 - r0) * _d;
            dots[p] = GatedResidual.BackwardDropout(dOut.AsSpan(o, len), proj.AsSpan(o, len), dProj.AsSpan(o, len), sg,
                drop.Active ? drop.Rate : 0f, key, drop.Offset(n, _d) + o);
        });
        double sum = 0;
        foreach (var v in dots) sum += v;
        return (float)(sg * (1.0 - sg) * sum);
    }
}
