using System.Numerics.Tensors;

namespace Needle.Core.Kernels;

// Backward halves of the forward kernels, for training. Every Backward takes the forward's inputs (recomputing what it
// needs), the output gradient dy, and ACCUMULATES (+=) into parameter gradients; input gradients are overwritten
// unless noted. Checked against finite differences of the naive forwards in tests/…/Kernels/BackwardTests.cs.

public static partial class ZcRmsNorm
{
    /// <summary>
    /// y = (1+γ)·x·r, r = 1/sqrt(mean(x²)+eps), per row of x (rows, dim).
    /// dx = r·(1+γ)⊙dy − r³/dim · x · Σ_j (1+γ_j)·dy_j·x_j ;  dγ += Σ_rows dy⊙x·r.
    /// dx may alias dy.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> dy, Span<float> dx,
        Span<float> dGamma, int rows, int dim)
    {
        if (x.Length < rows * dim || dy.Length < rows * dim || dx.Length < rows * dim || gamma.Length != dim || dGamma.Length != dim)
            throw new ArgumentException("ZcRmsNorm.Backward: shape mismatch.");
        Span<float> g1 = dim <= 4096 ? stackalloc float[dim] : new float[dim];
        TensorPrimitives.Add(gamma, 1f, g1);
        Span<float> tmp = dim <= 4096 ? stackalloc float[dim] : new float[dim];
        for (var r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * dim, dim);
            var dyr = dy.Slice(r * dim, dim);
            var ms = TensorPrimitives.SumOfSquares(xr) / dim;
            var inv = 1f / MathF.Sqrt(ms + ZcRmsNorm.Eps);
            // dγ += dy ⊙ x · r
            TensorPrimitives.Multiply(dyr, xr, tmp);
            TensorPrimitives.MultiplyAdd(tmp, inv, dGamma, dGamma);
            // tmp = (1+γ) ⊙ dy ; c = Σ tmp ⊙ x
            TensorPrimitives.Multiply(g1, dyr, tmp);
            var c = TensorPrimitives.Dot(tmp, xr);
            var dxr = dx.Slice(r * dim, dim);
            // dx = inv·tmp − inv³·c/dim · x
            TensorPrimitives.Multiply(tmp, inv, dxr);
            TensorPrimitives.MultiplyAdd(xr, -inv * inv * inv * c / dim, dxr, dxr);
        }
    }
}

public static partial class Rope
{
    /// <summary>RoPE is a rotation, so its gradient is the inverse rotation of dy, in place on dy (T, heads, hd) rows rowStride apart.</summary>
    public static void Backward(Span<float> dy, int t, int heads, int pos0, RopeTable table, int rowStride)
    {
        var hd = table.HeadDim;
        var half = table.Half;
        table.Ensure(pos0 + t);
        for (var i = 0; i < t; i++)
        {
            var cos = table.Cos(pos0 + i);
            var sin = table.Sin(pos0 + i);
            for (var h = 0; h < heads; h++)
            {
                var v = dy.Slice(i * rowStride + h * hd, hd);
                for (var j = 0; j < half; j++)
                {
                    float a = v[j], b = v[half + j];
                    v[j] = a * cos[j] + b * sin[j];
                    v[half + j] = b * cos[j] - a * sin[j];
                }
            }
        }
    }
}

public static partial class Softmax
{
    /// <summary>dx = y ⊙ (dy − Σ dy⊙y) per row, from the softmax output y (rows, cols). dx may alias dy.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        for (var r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * cols, cols);
            var dyr = dy.Slice(r * cols, cols);
            var dot = TensorPrimitives.Dot(yr, dyr);
            var dxr = dx.Slice(r * cols, cols);
            TensorPrimitives.Subtract(dyr, dot, dxr);
            TensorPrimitives.Multiply(dxr, yr, dxr);
        }
    }
}

public static partial class Elementwise
{
    /// <summary>
    /// For x_out = x + σ(g)·a: dx = dy (the caller keeps using dy), da = σ(g)·dy (written), and the returned value is
    /// dg = σ(g)(1−σ(g))·Σ dy⊙a (to accumulate into the gate's gradient).
    /// </summary>
    public static float GatedResidualAddBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> a, float gate, Span<float> dA)
    {
        var s = Elementwise.Sigmoid(gate);
        TensorPrimitives.Multiply(dy, s, dA);
        return s * (1 - s) * TensorPrimitives.Dot(dy, a);
    }

    /// <summary>dTable[ids[i]] += scale · dy[i] for dy (N, D).</summary>
    public static void EmbeddingGatherBackward(ReadOnlySpan<float> dy, int dim, ReadOnlySpan<int> ids, Span<float> dTable, float scale)
    {
        for (var i = 0; i < ids.Length; i++)
        {
            var row = dTable.Slice(ids[i] * dim, dim);
            TensorPrimitives.MultiplyAdd(dy.Slice(i * dim, dim), scale, row, row);
        }
    }
}
