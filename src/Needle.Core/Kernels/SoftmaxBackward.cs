using System.Numerics.Tensors;

namespace Needle.Core.Kernels;

/// <summary>Backward of the row softmax: dx = y ⊙ (dy − Σ dy ⊙ y), from the forward output y.</summary>
public static class SoftmaxBackward
{
    /// <summary>y, dy, dx (rows, cols); dx may alias dy.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        if (y.Length < rows * cols || dy.Length < rows * cols || dx.Length < rows * cols)
            throw new ArgumentException($"SoftmaxBackward: buffers shorter than {rows}×{cols}.");
        for (var r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * cols, cols);
            var dyr = dy.Slice(r * cols, cols);
            var dot = TensorPrimitives.Dot(dyr, yr);
            var dxr = dx.Slice(r * cols, cols);
            TensorPrimitives.Subtract(dyr, dot, dxr);
            TensorPrimitives.Multiply(dxr, yr, dxr);
        }
    }

    /// <summary>The reference, in double.</summary>
    public static void BackwardNaive(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        for (var r = 0; r < rows; r++)
        {
            double dot = 0;
            for (var j = 0; j < cols; j++) dot += (double)dy[r * cols + j] * y[r * cols + j];
            for (var j = 0; j < cols; j++) dx[r * cols + j] = (float)(y[r * cols + j] * (dy[r * cols + j] - dot));
        }
    }
}
