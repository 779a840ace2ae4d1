namespace Needle.Core.Kernels;

/// <summary>
/// Backward of <see cref="Rope"/>: the rotation is orthogonal, so the gradient is rotated back by the same angle
/// (dx1 = dy1·cos + dy2·sin, dx2 = dy2·cos − dy1·sin), in place.
/// </summary>
public static class RopeBackward
{
    /// <summary>dx rows rowStride apart, each starting with heads × hd gradient values, positions pos0 … pos0+T−1.</summary>
    public static void Backward(Span<float> dx, int t, int heads, int pos0, RopeTable table, int rowStride)
    {
        var hd = table.HeadDim;
        var half = table.Half;
        if (t > 0 && dx.Length < (t - 1) * rowStride + heads * hd) throw new ArgumentException($"RopeBackward: dx has {dx.Length} values, too few for {t} rows of {heads}×{hd}.");
        table.Ensure(pos0 + t);
        var cosT = table.CosTable;
        var sinT = table.SinTable;
        for (var i = 0; i < t; i++)
        {
            var cos = cosT.AsSpan((pos0 + i) * half, half);
            var sin = sinT.AsSpan((pos0 + i) * half, half);
            for (var h = 0; h < heads; h++)
            {
                var v = dx.Slice(i * rowStride + h * hd, hd);
                var x1 = v[..half];
                var x2 = v[half..];
                for (var j = 0; j < half; j++)
                {
                    float a = x1[j], b = x2[j];
                    x1[j] = a * cos[j] + b * sin[j];
                    x2[j] = b * cos[j] - a * sin[j];
                }
            }
        }
    }

    /// <summary>The reference: angles in double from the float32 frequencies, dx (T, heads, hd) contiguous.</summary>
    public static void BackwardNaive(Span<float> dx, int t, int heads, int headDim, int pos0, double theta)
    {
        var half = headDim / 2;
        for (var i = 0; i < t; i++)
        for (var h = 0; h < heads; h++)
        for (var j = 0; j < half; j++)
        {
            var freq = 1f / MathF.Pow((float)theta, (2 * j) / (float)headDim);
            double angle = (float)(pos0 + i) * freq;
            var o = (i * heads + h) * headDim;
            double a = dx[o + j], b = dx[o + half + j];
            dx[o + j] = (float)(a * Math.Cos(angle) + b * Math.Sin(angle));
            dx[o + half + j] = (float)(b * Math.Cos(angle) - a * Math.Sin(angle));
        }
    }
}
