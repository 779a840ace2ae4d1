using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>Row softmax in float32, max-subtracted (vectorized exp, see VecExp). A row of all float.MinValue (fully masked) becomes uniform.</summary>
public static partial class Softmax
{
    /// <summary>x (rows, cols) in place.</summary>
    public static void Forward(Span<float> x, int rows, int cols)
    {
        if (x.Length < rows * cols) throw new ArgumentException($"Softmax: {x.Length} < {rows}×{cols}.");
        for (var r = 0; r < rows; r++) Row(x.Slice(r * cols, cols));
    }

    /// <summary>One row in place: max, exp(x − max) with the running sum, scale by 1/sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Row(Span<float> x)
    {
        var n = x.Length;
        if (n == 0) return;
        var level = Simd.Level;
        fixed (float* p = x)
        {
            var i = 0;
            float max = float.MinValue, sum = 0f;
            if (level == SimdLevel.Vector512 && n >= 16)
            {
                var m = Vector512.Create(float.MinValue);
                for (; i <= n - 16; i += 16) m = Vector512.Max(m, Vector512.Load(p + i));
                max = Ops512.MaxAcross(m);
                for (; i < n; i++) max = MathF.Max(max, p[i]);
                var mv = Vector512.Create(max);
                var acc = Vector512<float>.Zero;
                for (i = 0; i <= n - 16; i += 16)
                {
                    var e = VecExp.Exp(Vector512.Load(p + i) - mv);
                    e.Store(p + i);
                    acc += e;
                }
                sum = Vector512.Sum(acc);
            }
            else if (level == SimdLevel.Vector256 && n >= 8)
            {
                var m = Vector256.Create(float.MinValue);
                for (; i <= n - 8; i += 8) m = Vector256.Max(m, Vector256.Load(p + i));
                max = Ops256.MaxAcross(m);
                for (; i < n; i++) max = MathF.Max(max, p[i]);
                var mv = Vector256.Create(max);
                var acc = Vector256<float>.Zero;
                for (i = 0; i <= n - 8; i += 8)
                {
                    var e = VecExp.Exp(Vector256.Load(p + i) - mv);
                    e.Store(p + i);
                    acc += e;
                }
                sum = Vector256.Sum(acc);
            }
            else
            {
                for (; i < n; i++) max = MathF.Max(max, p[i]);
                i = 0;
            }
            for (; i < n; i++) sum += p[i] = MathF.Exp(p[i] - max);
            TensorPrimitives.Multiply(x, 1f / sum, x);
        }
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
