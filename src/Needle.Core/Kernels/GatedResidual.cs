using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

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

    /// <summary>
    /// The training forward of a sublayer output in one pass: y ← Dropout(y) in place (the backward reads the dropped
    /// values), xOut = xIn + σ·y. Element j of the spans is element offset + j of the dropout stream; p = 0 skips the
    /// mask. Same arithmetic as <see cref="Dropout.Apply"/> followed by y·σ + xIn (no fused multiply-add).
    /// </summary>
    public static void ForwardDropout(Span<float> y, ReadOnlySpan<float> xIn, Span<float> xOut, float sigma, float p, ulong key, long offset)
    {
        if (xIn.Length != y.Length || xOut.Length != y.Length) throw new ArgumentException("GatedResidual.ForwardDropout: lengths differ.");
        var i = 0;
        if (Simd.Level == SimdLevel.Vector512 && p > 0f && p < 1f && (offset & 3) == 0)
        {
            uint threshold = Dropout.Threshold(p);
            Vector512<float> scale = Vector512.Create(1f / (1f - p)), s = Vector512.Create(sigma);
            for (; i <= y.Length - 32; i += 32)
            {
                Dropout.KeepMasks(key, (offset + i) >> 2, threshold, out var lo, out var hi);
                var d0 = Vector512.BitwiseAnd(Vector512.Create(y.Slice(i, 16)) * scale, lo);
                var d1 = Vector512.BitwiseAnd(Vector512.Create(y.Slice(i + 16, 16)) * scale, hi);
                d0.CopyTo(y.Slice(i, 16));
                d1.CopyTo(y.Slice(i + 16, 16));
                (d0 * s + Vector512.Create(xIn.Slice(i, 16))).CopyTo(xOut.Slice(i, 16));
                (d1 * s + Vector512.Create(xIn.Slice(i + 16, 16))).CopyTo(xOut.Slice(i + 16, 16));
            }
        }
        var rest = y[i..];
        if (p > 0f) Dropout.Apply(rest, p, key, offset + i);
        TensorPrimitives.Multiply(rest, sigma, xOut[i..]);
        TensorPrimitives.Add(xOut[i..], xIn[i..], xOut[i..]);
    }

    /// <summary>
    /// The backward of <see cref="ForwardDropout"/> for the y branch in one pass: dY = Dropout(σ·dOut) with the same
    /// mask, and the returned Σ dOut ⊙ y (y the dropped forward values) is dσ-input for the gate:
    /// dg = σ(1−σ)·Σ. Partial sums are taken per 4,096 values in float and added in double, in order.
    /// </summary>
    public static double BackwardDropout(ReadOnlySpan<float> dOut, ReadOnlySpan<float> y, Span<float> dY, float sigma, float p, ulong key, long offset)
    {
        if (dOut.Length != y.Length || dY.Length != y.Length) throw new ArgumentException("GatedResidual.BackwardDropout: lengths differ.");
        var i = 0;
        double sum = 0;
        if (Simd.Level == SimdLevel.Vector512 && p > 0f && p < 1f && (offset & 3) == 0)
        {
            uint threshold = Dropout.Threshold(p);
            Vector512<float> scale = Vector512.Create(1f / (1f - p)), s = Vector512.Create(sigma);
            while (i <= y.Length - 32)
            {
                var end = Math.Min(y.Length & ~31, i + 4096);
                Vector512<float> acc0 = default, acc1 = default;
                for (; i < end; i += 32)
                {
                    Dropout.KeepMasks(key, (offset + i) >> 2, threshold, out var lo, out var hi);
                    Vector512<float> g0 = Vector512.Create(dOut.Slice(i, 16)), g1 = Vector512.Create(dOut.Slice(i + 16, 16));
                    acc0 = Vector512.FusedMultiplyAdd(g0, Vector512.Create(y.Slice(i, 16)), acc0);
                    acc1 = Vector512.FusedMultiplyAdd(g1, Vector512.Create(y.Slice(i + 16, 16)), acc1);
                    Vector512.BitwiseAnd(g0 * s * scale, lo).CopyTo(dY.Slice(i, 16));
                    Vector512.BitwiseAnd(g1 * s * scale, hi).CopyTo(dY.Slice(i + 16, 16));
                }
                sum += Vector512.Sum(acc0 + acc1);
            }
        }
        sum += Dot(dOut[i..], y[i..]);
        TensorPrimitives.Multiply(dOut[i..], sigma, dY[i..]);
        if (p > 0f) Dropout.Apply(dY[i..], p, key, offset + i);
        return sum;
    }

    /// <summary>The reference of <see cref="ForwardDropout"/>: the per-element mask, in double.</summary>
    public static void ForwardDropoutNaive(Span<float> y, ReadOnlySpan<float> xIn, Span<float> xOut, float sigma, float p, ulong key, long offset)
    {
        for (var j = 0; j < y.Length; j++)
        {
            y[j] = Dropout.Kept(p, key, offset + j) ? (float)(y[j] / (1.0 - p)) : 0f;
            xOut[j] = (float)(xIn[j] + (double)sigma * y[j]);
        }
    }

    /// <summary>The reference of <see cref="BackwardDropout"/>, in double.</summary>
    public static double BackwardDropoutNaive(ReadOnlySpan<float> dOut, ReadOnlySpan<float> y, Span<float> dY, float sigma, float p, ulong key, long offset)
    {
        double sum = 0;
        for (var j = 0; j < y.Length; j++)
        {
            sum += (double)dOut[j] * y[j];
            dY[j] = Dropout.Kept(p, key, offset + j) ? (float)(sigma * (double)dOut[j] / (1.0 - p)) : 0f;
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
