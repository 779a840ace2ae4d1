namespace Needle.Core.Checkpoints;

/// <summary>How a leaf was (or will be) stored in a .pkl file. In memory every leaf is float32.</summary>
public enum NdDType
{
    Float16,
    BFloat16,
    Float32,
}

/// <summary>One numpy array leaf of a checkpoint, widened to float32, C order. Shape [] is a 0-d scalar.</summary>
public sealed record NdArray(int[] Shape, float[] Data, NdDType StoredAs = NdDType.Float32)
{
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    public string ShapeText => "(" + string.Join(", ", Shape) + (Shape.Length == 1 ? ",)" : ")");
}
