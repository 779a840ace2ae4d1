namespace Needle.Core.Training;

/// <summary>Loss weight per <see cref="TokenClass"/>; finetune uses name 2, value 4, key 1.5 (needle-model.md §0, §4.1).</summary>
public sealed record LossWeights(float Base = 1.0f, float Name = 2.0f, float Value = 4.0f, float Key = 1.5f)
{
    public static LossWeights Finetune { get; } = new();

    /// <summary>Uniform weights (validation loss, §4.2).</summary>
    public static LossWeights Uniform { get; } = new(1, 1, 1, 1);

    public float this[TokenClass c] => c switch
    {
        TokenClass.Base => Base,
        TokenClass.Name => Name,
        TokenClass.Value => Value,
        TokenClass.Key => Key,
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>Weights for a class array (e.g. a packed (B, T) loss-class row).</summary>
    public float[] Apply(ReadOnlySpan<sbyte> classes)
    {
        var w = new float[classes.Length];
        for (int i = 0; i < w.Length; i++) w[i] = this[(TokenClass)classes[i]];
        return w;
    }
}
