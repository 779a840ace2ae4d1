using Needle.Core.Kernels;

namespace Needle.Core.Model;

/// <summary>
/// One attention sublayer's weights for one layer, sliced out of the stacked parameters and re-laid for the kernels:
/// q|k|v fused into one (D, (H+2·KV)·hd) kernel so a single GEMM produces all three, and (N, K) row-packed copies
/// for decode-time matrix-vector products.
/// </summary>
internal sealed class AttentionWeights
{
    public float[] Qkv { get; init; } = [];          // self-attention: (D, (H + 2·KV)·hd), columns q | k | v
    public float[] Q { get; init; } = [];            // cross-attention: (D, H·hd)
    public float[] Kv { get; init; } = [];           // cross-attention: (D, 2·KV·hd), columns k | v
    public required float[] Out { get; init; }       // (H·hd, D)
    public required float[] QNorm { get; init; }     // (hd)
    public required float[] KNorm { get; init; }     // (hd)
    public PackedRows? DecodeQkv { get; private set; } // (H+2KV)·hd rows of D: self-attention step
    public PackedRows? DecodeQ { get; private set; }   // H·hd rows of D: cross-attention step
    public PackedRows? DecodeOut { get; private set; } // D rows of H·hd

    /// <summary>Slices layer <paramref name="layer"/>; self-attention keeps the fused q|k|v, cross-attention q and k|v apart.</summary>
    public static AttentionWeights Load(NeedleWeights w, string prefix, int layer, bool cross)
    {
        var c = w.Config;
        int d = c.DModel, q = c.NumHeads * c.HeadDim, kv = c.NumKvHeads * c.HeadDim;
        var wq = w[prefix + "q_proj/kernel"].Slice(layer).ToArray();
        var wk = w[prefix + "k_proj/kernel"].Slice(layer).ToArray();
        var wv = w[prefix + "v_proj/kernel"].Slice(layer).ToArray();
        return new AttentionWeights
        {
            Qkv = cross ? [] : ConcatColumns(d, (wq, q), (wk, kv), (wv, kv)),
            Q = cross ? wq : [],
            Kv = cross ? ConcatColumns(d, (wk, kv), (wv, kv)) : [],
            Out = w[prefix + "out_proj/kernel"].Slice(layer).ToArray(),
            QNorm = w[prefix + "q_norm/scale"].Slice(layer).ToArray(),
            KNorm = w[prefix + "k_norm/scale"].Slice(layer).ToArray(),
        };
    }

    /// <summary>Builds the decode-time copies (self: fused qkv; cross: q only, since K/V come from the encoder).</summary>
    public void PrepareDecode(int dModel, bool self, WeightPrecision precision)
    {
        var q = Out.Length / dModel;
        DecodeQkv = self ? PackedRows.FromKernel(Qkv, dModel, Qkv.Length / dModel, precision) : null;
        DecodeQ = self ? null : PackedRows.FromKernel(Q, dModel, q, precision);
        DecodeOut = PackedRows.FromKernel(Out, q, dModel, precision);
    }

    private static float[] ConcatColumns(int rows, params (float[] W, int Cols)[] parts)
    {
        var total = 0;
        foreach (var p in parts) total += p.Cols;
        var result = new float[rows * total];
        for (var r = 0; r < rows; r++)
        {
            var offset = 0;
            foreach (var (w, cols) in parts)
            {
                w.AsSpan(r * cols, cols).CopyTo(result.AsSpan(r * total + offset, cols));
                offset += cols;
            }
        }
        return result;
    }
}
