using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
namespace Needle.Core.Kernels;

/// <summary>
/// Rotary position tables for the half-split (NeoX) layout: freq_i = 1/θ^(2i/hd) in float32, angle = t·freq_i (float32),
/// cos/sin (maxLen, hd/2). Grows on demand; safe to share between threads.
/// </summary>
public sealed class RopeTable
{
    private readonly object _lock = new();
    private readonly float[] _freq; // (hd/2)
    private volatile float[] _cos = [], _sin = [];

    public int HeadDim { get; }
    public int Half => HeadDim / 2;
    public int Length => _cos.Length / Half;

    public RopeTable(int headDim, double theta, int initialLength = 0)
    {
        if (headDim <= 0 || headDim % 2 != 0) throw new ArgumentException($"RoPE head_dim must be positive and even, got {headDim}.");
        HeadDim = headDim;
        _freq = new float[Half];
        for (var i = 0; i < Half; i++)
            _freq[i] = 1f / MathF.Pow((float)theta, (2 * i) / (float)headDim);
        if (initialLength > 0) Ensure(initialLength);
    }

    /// <summary>Makes sure positions [0, length) exist.</summary>
    public void Ensure(int length)
    {
        if (length <= Length) return;
        lock (_lock)
        {
            if (length <= Length) return;
            var n = Math.Max(length, Length * 2);
            var cos = new float[n * Half];
            var sin = new float[n * Half];
            for (var t = 0; t < n; t++)
            for (var i = 0; i < Half; i++)
            {
                var angle = (float)t * _freq[i];
                cos[t * Half + i] = (float)Math.Cos(angle);
                sin[t * Half + i] = (float)Math.Sin(angle);
            }
            _sin = sin;
            _cos = cos; // volatile write last: a reader seeing the new length sees both tables
        }
    }

    public ReadOnlySpan<float> Cos(int t) => _cos.AsSpan(t * Half, Half);
    public ReadOnlySpan<float> Sin(int t) => _sin.AsSpan(t * Half, Half);
    internal float[] CosTable => _cos;
    internal float[] SinTable => _sin;
}

/// <summary>Applies RoPE in place to x (T, heads, hd) at positions pos0 … pos0+T−1.</summary>
public static partial class Rope
{
    public static void Forward(Span<float> x, int t, int heads, int pos0, RopeTable table) =>
        Forward(x, t, heads, pos0, table, heads * table.HeadDim);

    /// <summary>Rows rowStride apart, each starting with heads × hd values (e.g. the q or k part of a fused QKV row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(Span<float> x, int t, int heads, int pos0, RopeTable table, int rowStride)
    {
        var hd = table.HeadDim;
        if (t > 0 && x.Length < (t - 1) * rowStride + heads * hd) throw new ArgumentException($"RoPE: x has {x.Length} values, too few for {t} rows of {heads}×{hd}.");
        table.Ensure(pos0 + t);
        fixed (float* px = x, pc = table.CosTable, ps = table.SinTable)
            Rows(px, t, heads, pos0, hd, rowStride, pc, ps);
    }

    /// <summary>Unchecked pointer form over tables that already cover pos0 + t (see <see cref="RopeTable.Ensure"/>).</summary>
    internal static unsafe void Rows(float* x, int t, int heads, int pos0, int hd, int rowStride, float* cosT, float* sinT)
    {
        switch (Simd.Level)
        {
            case SimdLevel.Vector512: Run<Ops512, Vector512<float>>(x, t, heads, pos0, hd, rowStride, cosT, sinT); break;
            case SimdLevel.Vector256: Run<Ops256, Vector256<float>>(x, t, heads, pos0, hd, rowStride, cosT, sinT); break;
            case SimdLevel.Vector128: Run<Ops128, Vector128<float>>(x, t, heads, pos0, hd, rowStride, cosT, sinT); break;
            default: Run<OpsScalar, float>(x, t, heads, pos0, hd, rowStride, cosT, sinT); break;
        }
    }

    /// <summary>x1' = x1·cos − x2·sin, x2' = x2·cos + x1·sin over each head's two halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run<TOps, TVec>(float* x, int t, int heads, int pos0, int hd, int rowStride, float* cosT, float* sinT)
        where TOps : struct, IVecOps<TVec> where TVec : struct
    {
        var half = hd / 2;
        var w = TOps.Count;
        for (var i = 0; i < t; i++)
        {
            float* cos = cosT + (long)(pos0 + i) * half, sin = sinT + (long)(pos0 + i) * half;
            for (var h = 0; h < heads; h++)
            {
                float* x1 = x + (long)i * rowStride + h * hd, x2 = x1 + half;
                var j = 0;
                for (; j <= half - w; j += w)
                {
                    TVec a = TOps.Load(x1 + j), b = TOps.Load(x2 + j), c = TOps.Load(cos + j), s = TOps.Load(sin + j);
                    TOps.Store(x1 + j, TOps.Sub(TOps.Mul(a, c), TOps.Mul(b, s)));
                    TOps.Store(x2 + j, TOps.Fma(a, s, TOps.Mul(b, c)));
                }
                for (; j < half; j++)
                {
                    float a = x1[j], b = x2[j];
                    x1[j] = a * cos[j] - b * sin[j];
                    x2[j] = b * cos[j] + a * sin[j];
                }
            }
        }
    }

    /// <summary>The reference: recomputes the angles in double from the float32 frequencies.</summary>
    public static void ForwardNaive(Span<float> x, int t, int heads, int headDim, int pos0, double theta)
    {
        var half = headDim / 2;
        for (var i = 0; i < t; i++)
        for (var h = 0; h < heads; h++)
        for (var j = 0; j < half; j++)
        {
            var freq = 1f / MathF.Pow((float)theta, (2 * j) / (float)headDim);
            double angle = (float)(pos0 + i) * freq;
            var o = (i * heads + h) * headDim;
            double a = x[o + j], b = x[o + half + j];
            x[o + j] = (float)(a * Math.Cos(angle) - b * Math.Sin(angle));
            x[o + half + j] = (float)(b * Math.Cos(angle) + a * Math.Sin(angle));
        }
    }
}
