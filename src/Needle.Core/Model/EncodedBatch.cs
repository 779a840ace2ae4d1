using Needle.Core.Inference;
using Needle.Core.Kernels;

namespace Needle.Core.Model;

/// <summary>The encoder's output for a padded batch plus every decoder layer's cross-attention K/V, computed once.</summary>
internal sealed class EncodedBatch : IEncodedBatch
{
    public required SimpleAttentionNetwork Owner { get; init; }
    public required int BatchSize { get; init; }
    public required int Length { get; init; }        // T_e (padded)
    public required int[] Tokens { get; init; }      // (B, T_e), PAD-filled
    public required bool[] KeyValid { get; init; }   // (B, T_e): token != PAD
    public required float[] Output { get; init; }    // (B, T_e, D): enc_out after the final norm
    public required float[][] CrossKv { get; init; } // per decoder layer (B, T_e, 2·KV·hd): normalized k | v
    private ushort[][]? _crossKvHalf;

    /// <summary>CrossKv as IEEE half bits, for decoding with <see cref="SimpleAttentionNetwork.HalfCrossKv"/>: built
    /// on first use (≈0.2 ms at 26M, 256 tokens) and kept with the batch.</summary>
    public ushort[][] CrossKvHalf => LazyInitializer.EnsureInitialized(ref _crossKvHalf, () => CrossKv.Select(ToHalfBits).ToArray());

    private static ushort[] ToHalfBits(float[] values)
    {
        var bits = new ushort[values.Length];
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, Half>(bits.AsSpan()));
        return bits;
    }
    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;
}

/// <summary>One batch's decoder self-attention KV cache, grown by doubling.</summary>
internal sealed class DecoderState : IDecoderState, IScreenedLogits
{
    /// <summary>Set for greedy decoders of one row: the tied logits are screened (see <see cref="ScreenedLogits"/>).</summary>
    public ScreenedLogits? Screen { get; init; }
    public bool Greedy { get; init; }                      // started by StartGreedyDecoder
    public bool[] Exact { get; init; } = [];                // (V) this step's exact logits, when screened
    /// <summary>Logit rows computed exactly by screened steps (incl. refinements), and the steps: for profiles and tests.</summary>
    public long ExactRows { get; set; }
    public long ScreenedSteps { get; set; }

    public required EncodedBatch Encoded { get; init; }
    public required float[][] SelfKv { get; set; }   // per layer (B, Capacity, 2·KV·hd): k (roped, normed) | v
    public ushort[][]? CrossKvHalf { get; init; }     // the batch's CrossKv in half bits, when the model decodes with them
    public int Capacity { get; set; }
    public int Length { get; set; }
    public bool Disposed { get; private set; }

    // Step scratch, reused: (B, D), (B, (H+2KV)·hd), (B, H·hd), (B, D)
    public required float[] X { get; init; }
    public required float[] H { get; init; }
    public required float[] Qkv { get; init; }
    public required float[] Attn { get; init; }
    public required float[] O { get; init; }

    public bool IsExact(int row, int id) => Screen is null || Exact[id];

    public (long Steps, long ExactRows) ScreenStats => (ScreenedSteps, ExactRows);

    public void Refine(int row, int id, Span<float> logits, bool all)
    {
        if (Screen is null) return;
        ExactRows += Screen!.Refine(H, id, logits, Exact, all);
    }

    public void Dispose() => Disposed = true;
}
