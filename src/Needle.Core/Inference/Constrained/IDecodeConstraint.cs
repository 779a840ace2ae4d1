namespace Needle.Core.Inference.Constrained;

/// <summary>A per-example rule for greedy decoding: pick the next id from the logits, then learn which id was taken.</summary>
public interface IDecodeConstraint
{
    /// <summary>The greedy choice under the rule. <paramref name="scratch"/> holds at least logits.Length floats.</summary>
    int Choose(ReadOnlySpan<float> logits, Span<float> scratch);

    /// <summary>Advances the rule's state with the chosen id (EOS included).</summary>
    void Update(int tokenId);
}
