using System.Numerics.Tensors;

namespace Needle.Core.Kernels;

/// <summary>Loss sums of <see cref="TiedCrossEntropy"/>: Σ w·CE and Σ logsumexp² over the rows.</summary>
public readonly record struct CrossEntropySums(double WeightedCe, double LseSquared, double UnweightedCe);

/// <summary>
/// Tied output projection + weighted cross-entropy + z-loss, fused and chunked over rows so only (chunk, V) logits
/// ever exist: logits = h · Eᵀ (E the (V, D) embedding), loss = Σ_t w_t·CE_t · ceScale + zScale · Σ_t lse_t².
/// The caller folds the normalization into the scales (needle-model.md §4.1: ceScale = 1/max(#non-pad, 1),
/// w_t = class weight · pad_t, zScale = 1e-4 / #all rows). With gradients it writes dH (N, D) and accumulates
/// dE (V, D) += dLogitsᵀ · h, so the tied embedding receives its output-side gradient here.
/// </summary>
public static class TiedCrossEntropy
{
    public const int DefaultChunkRows = 256;

    [ThreadStatic] private static float[]? _logits;

    /// <param name="h">(N, D) final hidden states.</param>
    /// <param name="embedding">(V, D).</param>
    /// <param name="targets">(N) target ids.</param>
    /// <param name="weights">(N) per-row CE weights (0 for padding).</param>
    /// <param name="dH">(N, D) written when not empty.</param>
    /// <param name="dEmbedding">(V, D) accumulated when not empty.</param>
    public static CrossEntropySums ForwardBackward(ReadOnlySpan<float> h, ReadOnlySpan<float> embedding, ReadOnlySpan<int> targets,
        ReadOnlySpan<float> weights, int n, int dim, int vocab, double ceScale, double zScale, Span<float> dH, Span<float> dEmbedding,
        int chunkRows = DefaultChunkRows)
    {
        if (h.Length < n * dim || embedding.Length != vocab * dim || targets.Length < n || weights.Length < n)
            throw new ArgumentException($"TiedCrossEntropy: need h ({n}, {dim}), E ({vocab}, {dim}), targets and weights of {n}.");
        var grad = !dH.IsEmpty;
        if (grad && (dH.Length < n * dim || dEmbedding.Length != vocab * dim))
            throw new ArgumentException("TiedCrossEntropy: dH must be (N, D) and dEmbedding (V, D).");
        for (var i = 0; i < n; i++)
            if ((uint)targets[i] >= (uint)vocab) throw new ArgumentException($"target {targets[i]} at row {i} is outside the vocabulary [0, {vocab}).");
        chunkRows = Math.Max(1, Math.Min(chunkRows, n));
        if (_logits is null || _logits.Length < chunkRows * vocab) _logits = new float[chunkRows * vocab];
        var logits = _logits;
        var rowCe = new double[chunkRows];
        var rowLse = new double[chunkRows];
        double wce = 0, lse2 = 0, ce = 0;
        for (var r0 = 0; r0 < n; r0 += chunkRows)
        {
            var rows = Math.Min(chunkRows, n - r0);
            var hc = h.Slice(r0 * dim, rows * dim);
            Gemm.MatMul(hc, embedding, logits, rows, vocab, dim, transB: true);      // (rows, V)
            var t = targets.Slice(r0, rows).ToArray();
            var w = weights.Slice(r0, rows).ToArray();
            var lg = logits;
            void Row(int i)
            {
                var row = lg.AsSpan(i * vocab, vocab);
                var max = TensorPrimitives.Max(row);
                var target = row[t[i]];
                TensorPrimitives.Subtract(row, max, row);
                TensorPrimitives.Exp(row, row);
                var sum = TensorPrimitives.Sum(row);
                var lse = max + Math.Log(sum);
                rowLse[i] = lse;
                rowCe[i] = lse - target;
                if (!grad) return;
                // dlogit = p · (w·ceScale + 2·zScale·lse) − [v = target] · w·ceScale
                var gCe = w[i] * ceScale;
                TensorPrimitives.Multiply(row, (float)((gCe + 2 * zScale * lse) / sum), row);
                row[t[i]] -= (float)gCe;
            }
            if ((long)rows * vocab < 1 << 16) for (var i = 0; i < rows; i++) Row(i);
            else WorkerPool.Shared.For(rows, Row);
            for (var i = 0; i < rows; i++)
            {
                wce += w[i] * rowCe[i];
                lse2 += rowLse[i] * rowLse[i];
                ce += w[i] != 0 ? rowCe[i] : 0;
            }
            if (!grad) continue;
            Gemm.MatMul(logits, embedding, dH.Slice(r0 * dim, rows * dim), rows, dim, vocab);                     // dH = dL · E
            Gemm.MatMul(logits, hc, dEmbedding, vocab, dim, rows, transA: true, accumulate: true);              // dE += dLᵀ · h
        }
        return new CrossEntropySums(wce, lse2, ce);
    }

    /// <summary>The reference: full logits in double, same contract.</summary>
    public static CrossEntropySums ForwardBackwardNaive(ReadOnlySpan<float> h, ReadOnlySpan<float> embedding, ReadOnlySpan<int> targets,
        ReadOnlySpan<float> weights, int n, int dim, int vocab, double ceScale, double zScale, Span<float> dH, Span<float> dEmbedding)
    {
        double wce = 0, lse2 = 0, ce = 0;
        var logit = new double[vocab];
        var dE = new double[vocab * dim];
        for (var i = 0; i < n; i++)
        {
            double max = double.MinValue;
            for (var v = 0; v < vocab; v++)
            {
                double s = 0;
                for (var d = 0; d < dim; d++) s += (double)h[i * dim + d] * embedding[v * dim + d];
                logit[v] = s;
                max = Math.Max(max, s);
            }
            double sum = 0;
            for (var v = 0; v < vocab; v++) sum += Math.Exp(logit[v] - max);
            var lse = max + Math.Log(sum);
            var rowCe = lse - logit[targets[i]];
            wce += weights[i] * rowCe;
            lse2 += lse * lse;
            if (weights[i] != 0) ce += rowCe;
            if (dH.IsEmpty) continue;
            var gCe = weights[i] * ceScale;
            for (var d = 0; d < dim; d++) dH[i * dim + d] = 0;
            for (var v = 0; v < vocab; v++)
            {
                var g = Math.Exp(logit[v] - lse) * (gCe + 2 * zScale * lse) - (v == targets[i] ? gCe : 0);
                for (var d = 0; d < dim; d++)
                {
                    dH[i * dim + d] += (float)(g * embedding[v * dim + d]);
                    dE[v * dim + d] += g * h[i * dim + d];
                }
            }
        }
        if (!dEmbedding.IsEmpty)
            for (var i = 0; i < dE.Length; i++) dEmbedding[i] += (float)dE[i];
        return new CrossEntropySums(wce, lse2, ce);
    }
}
