using System.Numerics.Tensors;

namespace Needle.Core.Kernels;

/// <summary>Small fused elementwise ops of the Needle blocks.</summary>
public static partial class Elementwise
{
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Gated residual: x += sigmoid(gate) · y, both (N).</summary>
    public static void GatedResidualAdd(Span<float> x, ReadOnlySpan<float> y, float gate)
    {
        if (x.Length != y.Length) throw new ArgumentException($"GatedResidualAdd: lengths {x.Length} != {y.Length}.");
        TensorPrimitives.MultiplyAdd(y, Sigmoid(gate), x, x);
    }

    /// <summary>out (N, D) = table[ids] · scale, table (V, D). Ids outside [0, V) are a caller bug.</summary>
    public static void EmbeddingGather(ReadOnlySpan<float> table, int dim, ReadOnlySpan<int> ids, Span<float> output, float scale)
    {
        var vocab = table.Length / dim;
        if (output.Length < ids.Length * dim) throw new ArgumentException("EmbeddingGather: output too short.");
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if ((uint)id >= (uint)vocab) throw new ArgumentException($"token id {id} is outside the vocabulary [0, {vocab}).");
            TensorPrimitives.Multiply(table.Slice(id * dim, dim), scale, output.Slice(i * dim, dim));
        }
    }
}
