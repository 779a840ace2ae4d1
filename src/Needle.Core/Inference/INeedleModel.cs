using Needle.Core.Model;

namespace Needle.Core.Inference;

/// <summary>Encoder output of one batch; holds each decoder layer's cross-attention K/V, computed once.</summary>
public interface IEncodedBatch : IDisposable
{
    int BatchSize { get; }
}

/// <summary>A decoder's self-attention KV cache for one batch, grown one position per step.</summary>
public interface IDecoderState : IDisposable
{
    /// <summary>Positions already fed.</summary>
    int Length { get; }
}

/// <summary>
/// The seam between the compute engine (the SimpleAttentionNetwork on our kernels) and generation
/// (greedy / constrained decoding, retrieval). Generation never sees tensors.
/// </summary>
public interface INeedleModel
{
    NeedleConfig Config { get; }

    /// <summary>Runs the encoder on a batch of token sequences (padded internally with PAD; PAD keys are masked).</summary>
    IEncodedBatch Encode(IReadOnlyList<int[]> sources);

    /// <summary>Starts an empty decoder cache bound to an encoded batch.</summary>
    IDecoderState StartDecoder(IEncodedBatch encoded);

    /// <summary>
    /// A decoder for greedy choices only: its steps may write screened logits (exact wherever they can decide an argmax,
    /// upper bounds elsewhere) when the state implements <see cref="IScreenedLogits"/>. By default the same as
    /// <see cref="StartDecoder"/>.
    /// </summary>
    IDecoderState StartGreedyDecoder(IEncodedBatch encoded) => StartDecoder(encoded);

    /// <summary>Feeds one token per row and writes the next-token logits, (B, V) row-major, into <paramref name="logits"/>.</summary>
    void DecodeStep(IDecoderState state, ReadOnlySpan<int> tokens, Span<float> logits);

    /// <summary>The contrastive-head embedding (L2-normalized, length contrastive_dim) of one token sequence.</summary>
    float[] EncodeContrastive(int[] tokens);
}
