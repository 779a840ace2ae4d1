namespace Needle.Core.Training;

/// <summary>Result of <see cref="TextLoss.Compute"/>: the loss, its parts, and dLoss/dLogits.</summary>
public sealed record TextLossResult(double Loss, double CrossEntropy, double ZLoss, int TokenCount, float[] DLogits);

/// <summary>
/// The train-step text loss on plain logits (needle-model.md §4.1) with its gradient, so the engine's backward pass
/// starts from dLogits: ce = Σ CE·w·pad / max(Σ pad, 1) (normalized by token count, not weight sum) plus
/// z = 1e-4 · mean over all positions, padding included, of logsumexp². And the validation sums of §4.2.
/// </summary>
public static class TextLoss
{
    public const double ZLossWeight = 1e-4;

    /// <param name="logits">(N, V) row-major, N = B·T.</param>
    /// <param name="targets">(N,) target ids.</param>
    /// <param name="classes">(N,) loss classes.</param>
    /// <param name="decSeg">(N,) segment ids; 0 marks padding.</param>
    public static TextLossResult Compute(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<sbyte> classes,
        ReadOnlySpan<int> decSeg, int vocab, LossWeights? weights = null, bool withGradient = true)
    {
        weights ??= LossWeights.Finetune;
        int n = targets.Length;
        if (logits.Length != n * vocab || classes.Length != n || decSeg.Length != n)
            throw new ArgumentException($"Shapes disagree: logits {logits.Length} for N={n}, V={vocab}; classes {classes.Length}; seg {decSeg.Length}.");
        int tokens = 0;
        for (int i = 0; i < n; i++) if (decSeg[i] > 0) tokens++;
        double denom = Math.Max(tokens, 1);
        double ceSum = 0, zSum = 0;
        var d = withGradient ? new float[logits.Length] : [];
        var p = new double[vocab];
        for (int i = 0; i < n; i++)
        {
            var row = logits.Slice(i * vocab, vocab);
            double lse = LogSumExp(row, p);                 // p ← softmax(row)
            zSum += lse * lse;
            double w = decSeg[i] > 0 ? weights[(TokenClass)classes[i]] : 0;
            int t = targets[i];
            if ((uint)t >= (uint)vocab) throw new ArgumentException($"Target {t} at position {i} is outside the vocabulary ({vocab}).", nameof(targets));
            if (w != 0) ceSum += (lse - row[t]) * w;
            if (!withGradient) continue;
            double gCe = w / denom, gZ = ZLossWeight * 2 * lse / n;
            var drow = d.AsSpan(i * vocab, vocab);
            for (int v = 0; v < vocab; v++) drow[v] = (float)(p[v] * (gCe + gZ));
            drow[t] -= (float)gCe;
        }
        double ce = ceSum / denom, z = ZLossWeight * zSum / Math.Max(n, 1);
        return new TextLossResult(ce + z, ce, z, tokens, d);
    }

    /// <summary>Validation sums (§4.2): Σ CE·pad and Σ pad with uniform weights and no z-loss.</summary>
    public static (double LossSum, int Tokens) ValidationSums(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<int> decSeg, int vocab)
    {
        double sum = 0; int tokens = 0;
        var p = new double[vocab];
        for (int i = 0; i < targets.Length; i++)
        {
            if (decSeg[i] <= 0) continue;
            var row = logits.Slice(i * vocab, vocab);
            sum += LogSumExp(row, p) - row[targets[i]];
            tokens++;
        }
        return (sum, tokens);
    }

    /// <summary>exp(min(mean NLL, 20)), as upstream reports "val ppl" (1.0 when nothing was measured).</summary>
    public static double Perplexity(double lossSum, double tokens) => Math.Exp(Math.Min(lossSum / Math.Max(tokens, 1), 20));

    private static double LogSumExp(ReadOnlySpan<float> row, double[] softmax)
    {
        double max = double.NegativeInfinity;
        foreach (float x in row) max = Math.Max(max, x);
        double s = 0;
        for (int v = 0; v < row.Length; v++) { softmax[v] = Math.Exp(row[v] - max); s += softmax[v]; }
        for (int v = 0; v < row.Length; v++) softmax[v] /= s;
        return max + Math.Log(s);
    }
}

/// <summary>Result of <see cref="ClipLoss.Compute"/> with gradients for both embedding sets and log_temp.</summary>
public sealed record ClipLossResult(double Loss, float[] DQuery, float[] DTool, double DLogTemp);

/// <summary>
/// The CLIP contrastive loss (needle-model.md §4.3): temp = exp(clip(log_temp, −ln 100, ln 100)),
/// S = q·tᵀ / temp, loss = (mean CE over rows + mean CE over columns) / 2 with labels on the diagonal.
/// </summary>
public static class ClipLoss
{
    /// <param name="q">(B, D) query embeddings.</param>
    /// <param name="t">(B, D) tool embeddings.</param>
    public static ClipLossResult Compute(ReadOnlySpan<float> q, ReadOnlySpan<float> t, int batch, int dim, double logTemp)
    {
        if (q.Length != batch * dim || t.Length != batch * dim) throw new ArgumentException("Embeddings must be (B, D).");
        double lim = Math.Log(100.0);
        bool clipped = logTemp < -lim || logTemp > lim;
        double temp = Math.Exp(Math.Clamp(logTemp, -lim, lim));
        var s = new double[batch * batch];
        for (int i = 0; i < batch; i++)
            for (int j = 0; j < batch; j++)
            {
                double dot = 0;
                for (int k = 0; k < dim; k++) dot += (double)q[i * dim + k] * t[j * dim + k];
                s[i * batch + j] = dot / temp;
            }
        // dL/dS from both directions.
        var dS = new double[batch * batch];
        double loss = 0;
        for (int dir = 0; dir < 2; dir++)
        {
            for (int i = 0; i < batch; i++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < batch; j++) max = Math.Max(max, At(s, batch, i, j, dir));
                double sum = 0;
                for (int j = 0; j < batch; j++) sum += Math.Exp(At(s, batch, i, j, dir) - max);
                double lse = max + Math.Log(sum);
                loss += (lse - At(s, batch, i, i, dir)) / batch / 2;
                for (int j = 0; j < batch; j++)
                {
                    double g = (Math.Exp(At(s, batch, i, j, dir) - lse) - (i == j ? 1 : 0)) / batch / 2;
                    if (dir == 0) dS[i * batch + j] += g; else dS[j * batch + i] += g;
                }
            }
        }
        var dq = new float[q.Length]; var dt = new float[t.Length];
        double dLogTemp = 0;
        for (int i = 0; i < batch; i++)
            for (int j = 0; j < batch; j++)
            {
                double g = dS[i * batch + j];
                dLogTemp -= g * s[i * batch + j];   // S ∝ exp(−log_temp)
                for (int k = 0; k < dim; k++)
                {
                    dq[i * dim + k] += (float)(g * t[j * dim + k] / temp);
                    dt[j * dim + k] += (float)(g * q[i * dim + k] / temp);
                }
            }
        return new ClipLossResult(loss, dq, dt, clipped ? 0 : dLogTemp);
    }

    private static double At(double[] s, int b, int i, int j, int dir) => dir == 0 ? s[i * b + j] : s[j * b + i];

    /// <summary>Whether upstream's step adds the contrastive term (iterator present, step &gt; 0, step % 1000 == 0).</summary>
    public static bool IsContrastiveStep(int step, bool hasContrastiveData) => hasContrastiveData && step > 0 && step % 1000 == 0;
}
