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

    /// <summary>One row in place: max, exp(x − max) with the running sum, scale by 1/sum (<see cref="RowLse"/>, whose
    /// logsumexp is one extra log per row).</summary>
    public static void Row(Span<float> x) => RowLse(x);

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
