using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Needle.Core.Kernels;

namespace Needle.Core.Training.Engine;

/// <summary>The attention operands (QK-norm, RoPE, v passthrough) of the stored raw projections, and their backward,
/// one <see cref="HeadNormRope"/> pass per buffer, rows split over the pool.</summary>
internal sealed unsafe partial class TrainingNetwork
{
    /// <summary>Self-attention operands (B·T, (H+2KV)·hd): QK-norm and RoPE on q and k, v copied.</summary>
    private void SelfOperands(float[] raw, float[] qkv, AttentionLeaves w, int l, int bs, int t, [CallerMemberName] string caller = "")
    {
        using var _ = StepProfile.Time(StepProfile.Part.Elementwise, StepProfile.Enabled ? $"SelfOperands in {caller}" : "");
        _rope.Ensure(t);
        Operands(raw, _qkv, qkv, _qkv, bs * t, t, new HeadNormRope.Layout(_heads, _kvHeads, _kv, _hd), w.QNorm, w.KNorm, l, rope: true);
    }

    /// <summary>Cross-attention operands: q (Nd, H·hd) normed into a.Qkv; k normed | v (Ne, 2·KV·hd) into a.Kv. No RoPE.</summary>
    private void CrossOperands(CrossAttentionActs s, TrainingActivations a, AttentionLeaves w, int l, int nd, int ne, [CallerMemberName] string caller = "")
    {
        using var _ = StepProfile.Time(StepProfile.Part.Elementwise, StepProfile.Enabled ? $"CrossOperands in {caller}" : "");
        Operands(s.QRaw, _q, a.Qkv, _q, nd, nd, new HeadNormRope.Layout(_heads, 0, 0, _hd), w.QNorm, w.KNorm, l, rope: false);
        Operands(s.KvRaw, 2 * _kv, a.Kv, 2 * _kv, ne, ne, new HeadNormRope.Layout(0, _kvHeads, _kv, _hd), w.QNorm, w.KNorm, l, rope: false);
    }

    /// <summary>dQkv (in place): RoPE⁻¹ and QK-norm backward of the self-attention q and k gradients; dγq, dγk accumulate.</summary>
    private void SelfOperandsBackward(float[] raw, float[] grad, AttentionLeaves w, AttentionLeaves g, int l, int n, int t)
    {
        using var _ = StepProfile.Time(StepProfile.Part.Elementwise);
        _rope.Ensure(t);
        OperandsBackward(raw, _qkv, grad, _qkv, n, t, new HeadNormRope.Layout(_heads, _kvHeads, 0, _hd), w, g, l, rope: true);
    }

    /// <summary>dq (Nd, H·hd) and the k part of dKv (Ne, 2·KV·hd), in place: QK-norm backward.</summary>
    private void CrossOperandsBackward(CrossAttentionActs s, float[] dq, float[] dKv, AttentionLeaves w, AttentionLeaves g, int l, int nd, int ne)
    {
        using var _ = StepProfile.Time(StepProfile.Part.Elementwise);
        OperandsBackward(s.QRaw, _q, dq, _q, nd, nd, new HeadNormRope.Layout(_heads, 0, 0, _hd), w, g, l, rope: false);
        OperandsBackward(s.KvRaw, 2 * _kv, dKv, 2 * _kv, ne, ne, new HeadNormRope.Layout(0, _kvHeads, 0, _hd), w, g, l, rope: false);
    }

    private void Operands(float[] src, int srcStride, float[] dst, int dstStride, int rows, int t, HeadNormRope.Layout layout,
        float[] qNorm, float[] kNorm, int l, bool rope)
    {
        var cos = rope ? _rope.CosTable : null;
        var sin = rope ? _rope.SinTable : null;
        var gOff = l * _hd;
        RowParallel.For(rows, layout.Width, (_, r0, r1) =>
        {
            fixed (float* ps = src, pd = dst, gq = qNorm, gk = kNorm, pc = cos, pn = sin)
                HeadNormRope.ForwardRows(ps, srcStride, pd, dstStride, r0, r1, t, layout, gq + gOff, gk + gOff, pc, pn);
        });
    }

    private void OperandsBackward(float[] raw, int rawStride, float[] grad, int gradStride, int rows, int t, HeadNormRope.Layout layout,
        AttentionLeaves w, AttentionLeaves g, int l, bool rope)
    {
        var cos = rope ? _rope.CosTable : null;
        var sin = rope ? _rope.SinTable : null;
        int gOff = l * _hd, hd = _hd;
        var parts = RowParallel.Parts(rows, layout.Width);
        var dq = new float[parts * hd];
        var dk = new float[parts * hd];
        RowParallel.For(rows, layout.Width, (p, r0, r1) =>
        {
            fixed (float* px = raw, pg = grad, gq = w.QNorm, gk = w.KNorm, dqp = dq, dkp = dk, pc = cos, pn = sin)
                HeadNormRope.BackwardRows(px, rawStride, pg, gradStride, r0, r1, t, layout, gq + gOff, gk + gOff,
                    dqp + p * hd, dkp + p * hd, pc, pn);
        });
        // Per-part partial sums added in a fixed order: deterministic.
        var gq2 = g.QNorm.AsSpan(gOff, hd);
        var gk2 = g.KNorm.AsSpan(gOff, hd);
        for (var p = 0; p < parts; p++)
        {
            if (layout.HeadsA > 0) TensorPrimitives.Add(gq2, dq.AsSpan(p * hd, hd), gq2);
            if (layout.HeadsB > 0) TensorPrimitives.Add(gk2, dk.AsSpan(p * hd, hd), gk2);
        }
    }
}
