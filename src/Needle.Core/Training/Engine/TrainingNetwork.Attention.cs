using Needle.Core.Kernels;

namespace Needle.Core.Training.Engine;

internal sealed unsafe partial class TrainingNetwork
{
    /// <summary>
    /// Attention over strided buffers: q rows ldq apart from qOff; k and v in one buffer (rows ldkv apart, from kOff /
    /// vOff); out (B·Tq, H·hd) contiguous.
    /// </summary>
    /// <param name="lse">(B, H, Tq): receives each row's logsumexp for the backward.</param>
    private void AttendForward(float[] q, int qOff, int ldq, float[] kv, int kOff, int vOff, int ldkv, float[] output, float[] lse,
        int[] qSeg, int[] kSeg, int bs, int tq, int tk, bool causal)
    {
        using var _ = StepProfile.Time(StepProfile.Part.Attention, StepProfile.Enabled ? $"forward {tq}x{tk}{(causal ? " causal" : "")}" : "");
        fixed (float* pq = q, pkv = kv, po = output, pl = lse)
        fixed (int* pqs = qSeg, pks = kSeg)
        {
            var args = Args(pq + qOff, ldq, pkv + kOff, pkv + vOff, ldkv, po, pqs, pks, bs, tq, tk, causal);
            args.Lse = pl;
            SegmentAttention.Forward(args);
        }
    }

    /// <summary>dQ / dK / dV in the same strided layout as q / k / v (dq rows ldq apart, dk/dv rows ldkv apart).</summary>
    /// <param name="lse">the forward's (B, H, Tq) logsumexp of the same sublayer.</param>
    private void AttendBackward(float[] q, int qOff, int ldq, float[] kv, int kOff, int vOff, int ldkv, float[] dOut, float[] lse,
        float[] dq, int dqOff, float[] dkv, int dkOff, int dvOff, int[] qSeg, int[] kSeg, int bs, int tq, int tk, bool causal)
    {
        using var _ = StepProfile.Time(StepProfile.Part.Attention, StepProfile.Enabled ? $"backward {tq}x{tk}{(causal ? " causal" : "")}" : "");
        fixed (float* pq = q, pkv = kv, pdo = dOut, pdq = dq, pdkv = dkv, pl = lse)
        fixed (int* pqs = qSeg, pks = kSeg)
        {
            var args = Args(pq + qOff, ldq, pkv + kOff, pkv + vOff, ldkv, pdo, pqs, pks, bs, tq, tk, causal);
            args.DQ = pdq + dqOff;
            args.DK = pdkv + dkOff;
            args.DV = pdkv + dvOff;
            args.Lse = pl;
            SegmentAttention.Backward(args);
        }
    }

    private SegmentAttention.Args Args(float* q, int ldq, float* k, float* v, int ldkv, float* o, int* qSeg, int* kSeg,
        int bs, int tq, int tk, bool causal) => new()
    {
        Q = q, K = k, V = v, O = o, QSeg = qSeg, KSeg = kSeg,
        S = new AttentionStrides(ldq, (long)tq * ldq, ldkv, (long)tk * ldkv, ldkv, (long)tk * ldkv, _q, (long)tq * _q),
        Batch = bs, Tq = tq, Tk = tk, Heads = _heads, KvHeads = _kvHeads, HeadDim = _hd, Causal = causal, Scale = _attnScale,
    };
}
