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
        if (gemm is KernelMatMul)
        {
            var result = new float[rows * cols];
            OrthogonalizeInto(g, rows, cols, result, steps);
            return result;
        }
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

    /// <summary>
    /// The engine's path, on the calling thread only (Muon runs one matrix per pool thread): X·Xᵀ and A·A = A·Aᵀ (A is
    /// exactly symmetric) as SYRK-style products that compute one triangle, B·X accumulated into the pre-scaled a·X
    /// without a separate pass, and per-thread workspaces. Bit-identical to the generic loop with
    /// <see cref="KernelMatMul"/> while both sides are at most <see cref="Kernels.Gemm.KC"/> (the accumulation into a·X
    /// then adds the same two numbers).
    /// </summary>
    public static void OrthogonalizeInto(ReadOnlySpan<float> g, int rows, int cols, Span<float> output, int steps = 5)
    {
        if (g.Length != rows * cols || output.Length != rows * cols)
            throw new ArgumentException($"Gradient and output need {rows * cols} values, shape ({rows}, {cols}).", nameof(g));
        double ss = 0;
        foreach (float v in g) ss += (double)v * v;
        float inv = 1f / ((float)Math.Sqrt(ss) + 1e-7f);

        bool transposed = rows > cols;
        int r = transposed ? cols : rows, c = transposed ? rows : cols;   // X is (r, c) with r ≤ c
        var ws = Workspace.ForThread(r, c);
        float[] x = ws.X, next = ws.Next, a = ws.A, aa = ws.AA;
        if (transposed) TransposeScaled(g, x, rows, cols, inv);
        else System.Numerics.Tensors.TensorPrimitives.Multiply(g, inv, x.AsSpan(0, r * c));
        var n = r * c;
        for (int s = 0; s < steps; s++)
        {
            Kernels.Gemm.MultiplyByTranspose(x, a, r, c);                  // A = X Xᵀ      (r, r)
            Kernels.Gemm.MultiplyByTranspose(a, aa, r, r);                 // A A = A Aᵀ    (r, r)
            for (int i = 0; i < r * r; i++) a[i] = B * a[i] + C * aa[i];   // B = b·A + c·A·A
            for (int i = 0; i < n; i++) next[i] = A * x[i];
            Kernels.Gemm.MatMul(a, x, next, r, c, r, accumulate: true, parallel: false);   // a·X + B X
            (x, next) = (next, x);
        }
        if (transposed) TransposeScaled(x, output, r, c, 1f);
        else x.AsSpan(0, n).CopyTo(output);
    }

    private static void TransposeScaled(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols, float scale)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j] * scale;
    }

    /// <summary>Per-thread buffers for <see cref="OrthogonalizeInto"/>, grown to the largest matrix seen.</summary>
    private sealed class Workspace
    {
        [ThreadStatic] private static Workspace? _current;
        public float[] X = [], Next = [], A = [], AA = [];

        public static Workspace ForThread(int r, int c)
        {
            var w = _current ??= new Workspace();
            if (w.X.Length < r * c) { w.X = new float[r * c]; w.Next = new float[r * c]; }
            if (w.A.Length < r * r) { w.A = new float[r * r]; w.AA = new float[r * r]; }
            return w;
        }
    }

    private static void Transpose(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) dst[j * rows + i] = src[i * cols + j];
    }
}
