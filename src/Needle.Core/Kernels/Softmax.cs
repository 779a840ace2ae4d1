using System.Numerics.Tensors;

namespace Needle.Core.Kernels;

/// <summary>Row softmax in float32, max-subtracted. A row of all float.MinValue (fully masked) becomes uniform.</summary>
public static class Softmax
{
    /// <summary>x (rows, cols) in place.</summary>
    public static void Forward(Span<float> x, int rows, int cols)
    {
        if (x.Length < rows * cols) throw new ArgumentException($"Softmax: {x.Length} < {rows}×{cols}.");
        for (var r = 0; r < rows; r++) Row(x.Slice(r * cols, cols));
    }

    /// <summary>One row in place. The vector path uses TensorPrimitives (its own best width); Scalar forces a plain loop.</summary>
    public static void Row(Span<float> x)
    {
        if (x.Length == 0) return;
        if (Simd.Level == SimdLevel.Scalar)
        {
            var max = float.MinValue;
            foreach (var v in x) max = MathF.Max(max, v);
            var sum = 0f;
            for (var i = 0; i < x.Length; i++) sum += x[i] = MathF.Exp(x[i] - max);
            var inv = 1f / sum;
            for (var i = 0; i < x.Length; i++) x[i] *= inv;
            return;
        }
        var m = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, m, x);
        TensorPrimitives.Exp(x, x);
        var s = TensorPrimitives.Sum(x);
        TensorPrimitives.Multiply(x, 1f / s, x);
    }

    /// <summary>The reference, in double.</summary>
    public static void ForwardNaive(Span<float> x, int rows, int cols)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = x.Slice(r * cols, cols);
            double max = double.MinValue;
            foreach (var v in row) max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in row) sum += Math.Exp(v - max);
            for (var i = 0; i < cols; i++) row[i] = (float)(Math.Exp(row[i] - max) / sum);
        }
    }
}
