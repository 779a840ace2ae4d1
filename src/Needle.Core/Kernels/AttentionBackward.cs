namespace Needle.Core.Kernels;

public static unsafe partial class Attention
{
    /// <summary>
    /// Gradients of <see cref="Attention.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, int, int, int, ReadOnlySpan{bool}, bool, int, float, bool)"/>
    /// (contiguous layouts q (B, Tq, H·hd), k/v (B, Tk, KV·hd)). Recomputes the probabilities, then per head:
    /// dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP⊙P)) · scale on allowed entries (masked scores get no
    /// gradient, as with upstream's where()), dQ = dS·K, dK += dSᵀ·Q. dQ is overwritten; dK and dV are overwritten too
    /// (each KV head sums over its query-head group). Parallel over (batch, KV head).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<float> dOut,
        Span<float> dQ, Span<float> dK, Span<float> dV, int batch, int tq, int tk, int heads, int kvHeads, int headDim,
        ReadOnlySpan<bool> keyValid, bool causal, int queryOffset, float scale)
    {
        int ldq = heads * headDim, ldk = kvHeads * headDim;
        if (q.Length < batch * tq * ldq || dOut.Length < batch * tq * ldq || dQ.Length < batch * tq * ldq ||
            k.Length < batch * tk * ldk || v.Length < batch * tk * ldk || dK.Length < batch * tk * ldk || dV.Length < batch * tk * ldk)
            throw new ArgumentException("AttentionBackward: operand too short.");
        dK[..(batch * tk * ldk)].Clear();
        dV[..(batch * tk * ldk)].Clear();
        fixed (float* pq = q, pk = k, pv = v, pdo = dOut, pdq = dQ, pdk = dK, pdv = dV)
        fixed (bool* pm = keyValid)
        {
            nint aq = (nint)pq, ak = (nint)pk, av = (nint)pv, ado = (nint)pdo, adq = (nint)pdq, adk = (nint)pdk, adv = (nint)pdv;
            nint am = keyValid.IsEmpty ? 0 : (nint)pm;
            var group = heads / kvHeads;
            WorkerPool.Shared.For(batch * kvHeads, item =>
            {
                int b = item / kvHeads, g = item % kvHeads;
                var p = new float[tq * tk];
                var dp = new float[tq * tk];
                fixed (float* P = p, DP = dp)
                {
                    var valid = am == 0 ? null : (bool*)am + (long)b * tk;
                    float* K = (float*)ak + (long)b * tk * ldk + g * headDim, V = (float*)av + (long)b * tk * ldk + g * headDim;
                    float* DK = (float*)adk + (long)b * tk * ldk + g * headDim, DV = (float*)adv + (long)b * tk * ldk + g * headDim;
                    for (var h = g * group; h < (g + 1) * group; h++)
                    {
                        float* Q = (float*)aq + (long)b * tq * ldq + h * headDim, DO = (float*)ado + (long)b * tq * ldq + h * headDim;
                        float* DQ = (float*)adq + (long)b * tq * ldq + h * headDim;
                        // P = softmax(mask(Q·Kᵀ·scale))
                        Gemm.MatMul(Q, ldq, false, K, ldk, true, P, tk, tq, tk, headDim, parallel: false);
                        for (var i = 0; i < tq; i++)
                        {
                            var row = P + (long)i * tk;
                            for (var j = 0; j < tk; j++)
                                row[j] = Allowed(valid, causal, queryOffset, i, j) ? row[j] * scale : float.MinValue;
                            Softmax.Row(new Span<float>(row, tk));
                        }
                        // dV += Pᵀ·dO ; dP = dO·Vᵀ
                        Gemm.MatMul(P, tk, true, DO, ldq, false, DV, ldk, tk, headDim, tq, accumulate: true, parallel: false);
                        Gemm.MatMul(DO, ldq, false, V, ldk, true, DP, tk, tq, tk, headDim, parallel: false);
                        for (var i = 0; i < tq; i++)
                        {
                            float* pr = P + (long)i * tk, dr = DP + (long)i * tk;
                            double dot = 0;
                            for (var j = 0; j < tk; j++) dot += (double)pr[j] * dr[j];
                            for (var j = 0; j < tk; j++)
                                dr[j] = Allowed(valid, causal, queryOffset, i, j) ? pr[j] * (dr[j] - (float)dot) * scale : 0f;
                        }
                        // dQ = dS·K ; dK += dSᵀ·Q
                        Gemm.MatMul(DP, tk, false, K, ldk, false, DQ, ldq, tq, headDim, tk, parallel: false);
                        Gemm.MatMul(DP, tk, true, Q, ldq, false, DK, ldk, tk, headDim, tq, accumulate: true, parallel: false);
                    }
                }
            });
        }
    }

    private static bool Allowed(bool* valid, bool causal, int offset, int i, int j) =>
        (valid == null || valid[j]) && (!causal || j <= offset + i);
}
