using Needle.Core.Kernels;

namespace Needle.Core.Model;

/// <summary>
/// One attention sublayer's weights for one layer, sliced out of the stacked parameters and re-laid for the kernels:
/// q|k|v fused into one (D, (H+2·KV)·hd) kernel so a single GEMM produces all three, and (N, K) row-packed copies
/// for decode-time matrix-vector products.
/// </summary>
internal sealed class AttentionWeights
{
    public float[] Qkv { get; private set; } = [];   // self-attention: (D, (H + 2·KV)·hd), columns q | k | v
    public float[] Q { get; private set; } = [];     // cross-attention: (D, H·hd)
    public float[] Kv { get; private set; } = [];    // cross-attention: (D, 2·KV·hd), columns k | v (Encode needs it)
    public required float[] Out { get; set; }        // (H·hd, D)
    public required float[] QNorm { get; init; }     // (hd)
    public required float[] KNorm { get; init; }     // (hd)
    public PackedRows? DecodeQkv { get; private set; } // (H+2KV)·hd rows of D: self-attention step
    public PackedRows? DecodeQ { get; private set; }   // H·hd rows of D: cross-attention step
    public PackedRows? DecodeOut { get; private set; } // D rows of H·hd

    private GemmPackedB? _packedQkv, _packedKv, _packedOut;

    /// <summary>Prefill GEMM operands packed once on first use (encoder q|k|v and out, cross k|v): constant weights,
    /// so packing them on every call was wasted work (~15% of a 256-row product). Costs one more copy of each.</summary>
    public GemmPackedB PackedQkv(int dModel) =>
        LazyInitializer.EnsureInitialized(ref _packedQkv, () => new GemmPackedB(Qkv, dModel, Qkv.Length / dModel));

    public GemmPackedB PackedKv(int dModel) =>
        LazyInitializer.EnsureInitialized(ref _packedKv, () => new GemmPackedB(Kv, dModel, Kv.Length / dModel));

    public GemmPackedB PackedOut(int dModel) =>
        LazyInitializer.EnsureInitialized(ref _packedOut, () => new GemmPackedB(Out, Out.Length / dModel, dModel));

    /// <summary>Slices layer <paramref name="layer"/>; self-attention keeps the fused q|k|v, cross-attention q and k|v apart.</summary>
    public static AttentionWeights Load(WeightSource w, string prefix, int layer, bool cross)
    {
        var c = w.Config;
        int d = c.DModel, q = c.NumHeads * c.HeadDim, kv = c.NumKvHeads * c.HeadDim;
        var wq = w.Layer(prefix + "q_proj/kernel", layer);
        var wk = w.Layer(prefix + "k_proj/kernel", layer);
        var wv = w.Layer(prefix + "v_proj/kernel", layer);
        return new AttentionWeights
        {
            Qkv = cross ? [] : ConcatColumns(d, (wq, q), (wk, kv), (wv, kv)),
            Q = cross ? wq : [],
            Kv = cross ? ConcatColumns(d, (wk, kv), (wv, kv)) : [],
            Out = w.Layer(prefix + "out_proj/kernel", layer),
            QNorm = w.Layer(prefix + "q_norm/scale", layer),
            KNorm = w.Layer(prefix + "k_norm/scale", layer),
        };
    }

    /// <summary>
    /// Inference only: packs the prefill GEMM operands now (self: q|k|v and out; cross: k|v) and frees their float32
    /// originals, which only the packed copies' other-SIMD-level fallback would read (−46 MB at 26M). Teacher forcing
    /// still works: the decoder's float32 copies come back from the decode copies (<see cref="RestoreFloat32"/>).
    /// </summary>
    public void PackForPrefillOnly(int dModel, bool cross)
    {
        if (cross)
        {
            PackedKv(dModel).ReleaseSource();
            Kv = null!;
            return;
        }
        PackedQkv(dModel).ReleaseSource();
        PackedOut(dModel).ReleaseSource();
        Qkv = null!;
        Out = null!;
    }

    /// <summary>Builds the decode-time copies (self: fused qkv; cross: q only, since K/V come from the encoder).</summary>
    public void PrepareDecode(int dModel, bool self, WeightPrecision precision)
    {
        var q = Out.Length / dModel;
        DecodeQkv = self ? PackedRows.FromKernel(Qkv, dModel, Qkv.Length / dModel, precision) : null;
        DecodeQ = self ? null : PackedRows.FromKernel(Q, dModel, q, precision);
        DecodeOut = PackedRows.FromKernel(Out, q, dModel, precision);
    }

    /// <summary>
    /// Frees the float32 copies that only teacher-forced decoding uses (q|k|v or q, and out) once the float16 or int8
    /// decode copies exist; <see cref="RestoreFloat32"/> rebuilds them from those (exact for float16-valued weights
    /// in float16; the dequantized weights in int8).
    /// </summary>
    public void DropFloat32()
    {
        if (DecodeOut is null || DecodeOut.Precision == WeightPrecision.Float32) return;
        lock (this)
        {
            if (Qkv.Length > 0) Qkv = null!;
            if (Q.Length > 0) Q = null!;
            Out = null!;
        }
    }

    public bool HasFloat32 => Out is not null;

    public void RestoreFloat32()
    {
        if (Volatile.Read(ref _restored) || HasFloat32) return;
        lock (this)
        {
            if (HasFloat32) return;
            if (DecodeQkv is not null) Qkv = ToKernel(DecodeQkv);
            if (DecodeQ is not null) Q = ToKernel(DecodeQ);
            Out = ToKernel(DecodeOut!); // last: HasFloat32 turns true only when all are there
            Volatile.Write(ref _restored, true);
        }
    }

    private bool _restored;

    /// <summary>(N, K) rows back to a (K, N) kernel.</summary>
    private static float[] ToKernel(PackedRows rows)
    {
        int n = rows.Rows, k = rows.Cols;
        var w = new float[n * k];
        for (var r = 0; r < n; r++)
        for (var c = 0; c < k; c++)
            w[(long)c * n + r] = rows[r, c];
        return w;
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
