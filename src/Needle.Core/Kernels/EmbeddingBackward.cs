using System.Numerics.Tensors;

namespace Needle.Core.Kernels;

/// <summary>
/// Backward of <see cref="Elementwise.EmbeddingGather"/> (out = table[ids] · scale): a scatter-add
/// dTable[id] += scale · dOut[i], in row order so repeated ids sum deterministically.
/// </summary>
public static class EmbeddingBackward
{
    /// <summary>dOut (N, D), ids (N), dTable (V, D) accumulates.</summary>
    public static void ScatterAdd(ReadOnlySpan<float> dOut, ReadOnlySpan<int> ids, Span<float> dTable, int dim, float scale)
    {
        var vocab = dTable.Length / dim;
        if (dOut.Length < ids.Length * dim) throw new ArgumentException("EmbeddingBackward: dOut too short for the ids.");
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if ((uint)id >= (uint)vocab) throw new ArgumentException($"token id {id} is outside the vocabulary [0, {vocab}).");
            var row = dTable.Slice(id * dim, dim);
            TensorPrimitives.MultiplyAdd(dOut.Slice(i * dim, dim), scale, row, row);
        }
    }

    /// <summary>The reference, in double per element.</summary>
    public static void ScatterAddNaive(ReadOnlySpan<float> dOut, ReadOnlySpan<int> ids, Span<float> dTable, int dim, float scale)
    {
        var vocab = dTable.Length / dim;
        var acc = new double[dTable.Length];
        for (var i = 0; i < dTable.Length; i++) acc[i] = dTable[i];
        for (var i = 0; i < ids.Length; i++)
        for (var d = 0; d < dim; d++) acc[ids[i] * dim + d] += (double)scale * dOut[i * dim + d];
        for (var i = 0; i < vocab * dim; i++) dTable[i] = (float)acc[i];
    }
}
