using System.Numerics.Tensors;

namespace Needle.Core.Kernels;

/// <summary>
/// Backward of the sigmoid-gated residual x_out = x + σ(g) · y (forward: <see cref="Elementwise.GatedResidualAdd"/>):
/// dx = dOut (the residual passes through unchanged), dy = σ(g) · dOut, dg = σ(g)(1 − σ(g)) · Σ dOut ⊙ y.
/// </summary>
public static class GatedResidual
{
    /// <summary>dOut, y, dY (N); returns dg. dY may alias nothing else.</summary>
    public static float Backward(ReadOnlySpan<float> dOut, ReadOnlySpan<float> y, Span<float> dY, float gate)
    {
        if (dOut.Length != y.Length || dY.Length != y.Length) throw new ArgumentException("GatedResidual.Backward: lengths differ.");
        var s = Elementwise.Sigmoid(gate);
        TensorPrimitives.Multiply(dOut, s, dY);
        return (float)(s * (1.0 - s) * Dot(dOut, y));
    }

    /// <summary>The dg of a slice (for row-parallel callers that sum the parts in a fixed order).</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        // Chunked float dots summed in double: fast and accurate enough for a sum over ~10⁶ terms.
        double sum = 0;
        for (var i = 0; i < a.Length; i += 4096)
        {
            var n = Math.Min(4096, a.Length - i);
            sum += TensorPrimitives.Dot(a.Slice(i, n), b.Slice(i, n));
        }
        return sum;
    }

    /// <summary>The reference, in double.</summary>
    public static float BackwardNaive(ReadOnlySpan<float> dOut, ReadOnlySpan<float> y, Span<float> dY, float gate)
    {
        var s = 1.0 / (1.0 + Math.Exp(-gate));
        double dot = 0;
        for (var i = 0; i < y.Length; i++)
        {
            dY[i] = (float)(s * dOut[i]);
            dot += (double)dOut[i] * y[i];
        }
        return (float)(s * (1 - s) * dot);
    }
}
