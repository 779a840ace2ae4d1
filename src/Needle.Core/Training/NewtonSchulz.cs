namespace Needle.Core.Training;

/// <summary>
/// Upstream's <c>_newton_schulz</c> (needle-model.md §5.4): approximate polar factor of a 2-D gradient by 5 quintic
/// iterations with a=3.4445, b=−4.7750, c=2.0315, working on the wide orientation.
/// </summary>
public static class NewtonSchulz
{
    public const float A = 3.4445f, B = -4.7750f, C = 2.0315f;

    /// <summary>Returns O for G of shape (rows, cols), row-major.</summary>
    public static float[] Orthogonalize(ReadOnlySpan<float> g, int rows, int cols, IMatMul? gemm = null, int steps = 5)
    {
        if (g.Length != rows * cols) throw new ArgumentException($"Gradient has {g.Length} values, shape ({rows}, {cols}).", nameof(g));
        gemm ??= KernelMatMul.Instance;
        double ss = 0;
        foreach (float v in g) ss += (double)v * v;
        float inv = 1f / ((float)Math.Sqrt(ss) + 1e-7f);

        bool transposed = rows > cols;
        int r = transposed ? cols : rows, c = transposed ? rows : cols;   // X is (r, c) with r ≤ c
        var x = new float[r * c];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                x[transposed ? j * c + i : i * c + j] = g[i * cols + j] * inv;

        var xt = new float[c * r];
        var a = new float[r * r];
        var aa = new float[r * r];
        var bx = new float[r * c];
        for (int s = 0; s < steps; s++)
        {
            Transpose(x, xt, r, c);
            gemm.MatMul(x, xt, a, r, c, r);          // A = X Xᵀ      (r, r)
            gemm.MatMul(a, a, aa, r, r, r);          // A A           (r, r)
            for (int i = 0; i < a.Length; i++) a[i] = B * a[i] + C * aa[i];   // B = b·A + c·A·A
            gemm.MatMul(a, x, bx, r, r, c);          // B X           (r, c)
            for (int i = 0; i < x.Length; i++) x[i] = A * x[i] + bx[i];
        }

        if (!transposed) return x;
        var o = new float[rows * cols];
        Transpose(x, o, r, c);
        return o;
    }

    private static void Transpose(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
    }
}
