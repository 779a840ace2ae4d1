using Needle.Core.Model;

namespace Needle.Core.Tests.Model;

/// <summary>
/// A deliberately plain re-implementation of needle-model.md §2 for one (source, target) pair, in double, written
/// straight from the spec (per-head loops, explicit h / (H/KV) mapping, masks as float.MinValue) and sharing no code
/// with the engine. It recomputes the whole decoder for the full target (no cache).
/// </summary>
internal sealed class NaiveNeedle(NeedleWeights w)
{
    private readonly NeedleConfig _c = w.Config;

    private double[] P(string path, int layer = -1)
    {
        var t = w[path];
        if (layer < 0) return t.Data.Select(v => (double)v).ToArray();
        var inner = t.Length / t.Shape[0];
        return t.Data.Skip(layer * inner).Take(inner).Select(v => (double)v).ToArray();
    }

    private static double[] Zc(double[] x, double[] g)
    {
        var ms = x.Sum(v => v * v) / x.Length;
        var inv = 1 / Math.Sqrt(ms + 1e-6);
        return x.Select((v, i) => v * inv * (1 + g[i])).ToArray();
    }

    private static double[] Dense(double[] x, double[] kernel, int outDim)
    {
        var y = new double[outDim];
        for (var i = 0; i < x.Length; i++)
        for (var j = 0; j < outDim; j++) y[j] += x[i] * kernel[i * outDim + j];
        return y;
    }

    private double[] Rope(double[] head, int t)
    {
        int hd = head.Length, half = hd / 2;
        var o = new double[hd];
        for (var i = 0; i < half; i++)
        {
            var freq = 1f / MathF.Pow((float)_c.RopeTheta, 2 * i / (float)hd); // float32, as upstream
            double a = (float)t * freq;
            o[i] = head[i] * Math.Cos(a) - head[i + half] * Math.Sin(a);
            o[i + half] = head[i + half] * Math.Cos(a) + head[i] * Math.Sin(a);
        }
        return o;
    }

    /// <summary>MultiHeadAttention over query rows xq and key rows xkv; allowed(i, j) is the mask.</summary>
    private double[][] Mha(double[][] xq, double[][] xkv, string prefix, int layer, bool rope, Func<int, int, bool> allowed)
    {
        int h = _c.NumHeads, kvh = _c.NumKvHeads, hd = _c.HeadDim, d = _c.DModel;
        var wq = P(prefix + "q_proj/kernel", layer); var wk = P(prefix + "k_proj/kernel", layer);
        var wv = P(prefix + "v_proj/kernel", layer); var wo = P(prefix + "out_proj/kernel", layer);
        var qn = P(prefix + "q_norm/scale", layer); var kn = P(prefix + "k_norm/scale", layer);
        double[] Head(double[] v, int i) => v.Skip(i * hd).Take(hd).ToArray();
        var q = xq.Select(x => Dense(x, wq, h * hd)).ToArray();
        var k = xkv.Select(x => Dense(x, wk, kvh * hd)).ToArray();
        var v = xkv.Select(x => Dense(x, wv, kvh * hd)).ToArray();
        var output = new double[xq.Length][];
        for (var i = 0; i < xq.Length; i++) output[i] = new double[h * hd];
        for (var head = 0; head < h; head++)
        {
            var g = head / (h / kvh);
            for (var i = 0; i < xq.Length; i++)
            {
                var qi = Zc(Head(q[i], head), qn);
                if (rope) qi = Rope(qi, i);
                var s = new double[xkv.Length];
                for (var j = 0; j < xkv.Length; j++)
                {
                    var kj = Zc(Head(k[j], g), kn);
                    if (rope) kj = Rope(kj, j);
                    s[j] = allowed(i, j) ? qi.Zip(kj, (a, b) => a * b).Sum() / Math.Sqrt(hd) : float.MinValue;
                }
                var max = s.Max();
                var e = s.Select(x => Math.Exp(x - max)).ToArray();
                var sum = e.Sum();
                for (var j = 0; j < xkv.Length; j++)
                for (var dd = 0; dd < hd; dd++) output[i][head * hd + dd] += e[j] / sum * v[j][g * hd + dd];
            }
        }
        return output.Select(o => Dense(o, wo, d)).ToArray();
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public double[][] EncoderOutput(int[] src)
    {
        var emb = P(NeedleWeights.Embedding);
        int d = _c.DModel;
        var x = src.Select(id => emb.Skip(id * d).Take(d).Select(v => v * Math.Sqrt(d)).ToArray()).ToArray();
        for (var l = 0; l < _c.NumEncoderLayers; l++)
        {
            var norm = P(NeedleWeights.EncoderBlock + "ZCRMSNorm_0/scale", l);
            var hN = x.Select(r => Zc(r, norm)).ToArray();
            var a = Mha(hN, hN, NeedleWeights.EncoderBlock + "self_attn/", l, true, (_, j) => src[j] != _c.PadTokenId);
            var g = Sigmoid(P(NeedleWeights.EncoderBlock + "attn_gate")[l]);
            x = x.Select((r, i) => r.Select((v, c) => v + g * a[i][c]).ToArray()).ToArray();
        }
        var fin = P(NeedleWeights.EncoderFinalNorm);
        return x.Select(r => Zc(r, fin)).ToArray();
    }

    /// <summary>Logits (T_d, V).</summary>
    public double[][] Logits(int[] src, int[] tgt)
    {
        var enc = EncoderOutput(src);
        var emb = P(NeedleWeights.Embedding);
        int d = _c.DModel;
        const string db = NeedleWeights.DecoderBlock;
        var y = tgt.Select(id => emb.Skip(id * d).Take(d).Select(v => v * Math.Sqrt(d)).ToArray()).ToArray();
        for (var l = 0; l < _c.NumDecoderLayers; l++)
        {
            var hN = y.Select(r => Zc(r, P(db + "ZCRMSNorm_0/scale", l))).ToArray();
            var a = Mha(hN, hN, db + "self_attn/", l, true, (i, j) => j <= i);
            var g = Sigmoid(P(db + "self_attn_gate")[l]);
            y = y.Select((r, i) => r.Select((v, c) => v + g * a[i][c]).ToArray()).ToArray();
            hN = y.Select(r => Zc(r, P(db + "ZCRMSNorm_1/scale", l))).ToArray();
            a = Mha(hN, enc, db + "cross_attn/", l, false, (_, j) => src[j] != _c.PadTokenId);
            g = Sigmoid(P(db + "cross_attn_gate")[l]);
            y = y.Select((r, i) => r.Select((v, c) => v + g * a[i][c]).ToArray()).ToArray();
        }
        var fin = P(NeedleWeights.DecoderFinalNorm);
        return y.Select(r =>
        {
            var h = Zc(r, fin);
            var logits = new double[_c.VocabSize];
            for (var t = 0; t < logits.Length; t++)
            for (var c = 0; c < d; c++) logits[t] += h[c] * emb[t * d + c];
            return logits;
        }).ToArray();
    }

    public double[] Contrastive(int[] src)
    {
        var enc = EncoderOutput(src);
        int d = _c.DModel, cd = _c.ContrastiveDim;
        var pooled = new double[d];
        var count = 0;
        for (var j = 0; j < src.Length; j++)
        {
            if (src[j] == _c.PadTokenId) continue;
            count++;
            for (var c = 0; c < d; c++) pooled[c] += enc[j][c];
        }
        pooled = pooled.Select(v => v / Math.Max(count, 1)).ToArray();
        var b = P(NeedleWeights.ContrastiveHiddenBias);
        var hidden = Dense(pooled, P(NeedleWeights.ContrastiveHiddenKernel), cd).Select((v, i) => Math.Max(0, v + b[i])).ToArray();
        var proj = Dense(hidden, P(NeedleWeights.ContrastiveProjKernel), cd);
        var norm = Math.Sqrt(proj.Sum(v => v * v) + 1e-12);
        return proj.Select(v => v / norm).ToArray();
    }
}
