namespace Needle.Core.Training;

/// <summary>
/// Upstream's fake quantization (needle-model.md §5.5): symmetric, groups of 32 consecutive input rows per output
/// column, scale = max|w|/qmax (≥ 1e-8), round half to even, clip to [−qmax−1, qmax]. The straight-through
/// estimator makes the backward pass the identity, so callers just use the returned values in the forward.
/// </summary>
public static class FakeQuant
{
    /// <summary>Quantize-dequantize a kernel (in, out) or stacked (L, in, out); returns a new array.</summary>
    public static float[] Apply(ReadOnlySpan<float> w, int[] shape, int bits = 4)
    {
        if (bits is not (4 or 8)) throw new NotSupportedException($"Fake quantization to {bits} bits is not supported (4 or 8).");
        if (shape.Length is not (2 or 3)) throw new ArgumentException("Only 2-D kernels and stacked 3-D kernels are quantized.", nameof(shape));
        int layers = shape.Length == 3 ? shape[0] : 1, rows = shape[^2], cols = shape[^1];
        if (w.Length != layers * rows * cols) throw new ArgumentException("Values do not match the shape.", nameof(w));
        float qmax = bits == 4 ? 7f : 127f;
        int gs = Math.Min(32, rows);
        var o = new float[w.Length];
        for (int l = 0; l < layers; l++)
        {
            int off = l * rows * cols;
            for (int g0 = 0; g0 < rows; g0 += gs)
            {
                int g1 = Math.Min(rows, g0 + gs);   // the zero rows upstream pads with never raise the max
                for (int c = 0; c < cols; c++)
                {
                    float max = 0;
                    for (int r = g0; r < g1; r++) max = Math.Max(max, Math.Abs(w[off + r * cols + c]));
                    float scale = Math.Max(max / qmax, 1e-8f);
                    for (int r = g0; r < g1; r++)
                    {
                        int i = off + r * cols + c;
                        float q = Math.Clamp(MathF.Round(w[i] / scale, MidpointRounding.ToEven), -qmax - 1, qmax);
                        o[i] = q * scale;
                    }
                }
            }
        }
        return o;
    }

    /// <summary>
    /// Which leaves upstream's <c>_quantize_params</c> touches: kernels (last path segment <c>kernel</c>) of 2 or 3 dims,
    /// per needle-model.md §5.5 (3-D per layer slice). Embedding, norms, gates, biases and log_temp stay exact.
    /// </summary>
    public static bool ShouldQuantize(string path, int[] shape) => TrainableParam.GroupOf(path, shape) == ParamGroup.Muon;

    /// <summary>A leaf as the fake-quantized forward sees it (the input array itself when it is not quantized).</summary>
    public static float[] ApplyToLeaf(string path, int[] shape, float[] values, int bits = 4) =>
        ShouldQuantize(path, shape) ? Apply(values, shape, bits) : values;

    /// <summary>Whether upstream's forward uses fake-quantized kernels at this step (every 100th, never the first).</summary>
    public static bool IsQatStep(int step) => step > 0 && step % 100 == 0;
}
