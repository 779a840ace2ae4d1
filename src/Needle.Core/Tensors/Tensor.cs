namespace Needle.Core.Tensors;

/// <summary>
/// A minimal float32 tensor: row-major storage plus a shape. Kernels take spans with explicit dimensions; this type
/// only carries activations and parameters between them.
/// </summary>
public sealed class Tensor
{
    public float[] Data { get; }
    public int[] Shape { get; }
    public int Length => Data.Length;

    public Tensor(params int[] shape) : this(new float[Count(shape)], shape) { }

    public Tensor(float[] data, int[] shape)
    {
        if (data.Length != Count(shape))
            throw new ArgumentException($"Tensor: {data.Length} values do not fill shape ({string.Join(", ", shape)}).");
        Data = data;
        Shape = shape;
    }

    public int Dim(int axis) => Shape[axis < 0 ? Shape.Length + axis : axis];
    public Span<float> Span => Data;

    /// <summary>The i-th slice along the leading axis (e.g. one layer of a stacked parameter).</summary>
    public Span<float> Slice(int index)
    {
        var inner = Data.Length / Shape[0];
        return Data.AsSpan(index * inner, inner);
    }

    public static long Count(int[] shape) => shape.Aggregate(1L, (a, d) => a * d);

    public override string ToString() => $"Tensor({string.Join(", ", Shape)})";
}
