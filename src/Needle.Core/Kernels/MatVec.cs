using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Needle.Core.Kernels;

/// <summary>
/// y (M, N) = x (M, K) · Wᵀ for W in <see cref="PackedRows"/> (N, K): the decode-time product, where M is the number of
/// rows being decoded (often 1) and the cost is reading W once. Float16 weights are widened on the fly with an exact
/// integer trick (bits &lt;&lt; 13 read as w·2⁻¹¹², normals and subnormals alike): for one row x carries the 2¹¹²
/// (<see cref="DotF16Scaled"/>), for several rows each weight row is widened once (<see cref="WidenRow"/>); int8 weights
/// are sign-extended, converted and scaled once per group of 32 (see <see cref="MatVecInt8"/>).
/// Split over N on the worker pool when large.
/// </summary>
public static unsafe partial class MatVec
{
    /// <summary>
    /// Stored weight bytes from which a product is split over the pool. A hand-off costs about a microsecond while
    /// the workers still spin (they do between the ~35 products of a decode step), and the caller works through
    /// the chunks itself when a worker is busy elsewhere, so every per-layer product of the 26M model (≥ 288 KB in
    /// int8) is split; tiny models' products stay on the calling thread.
    /// </summary>
    public static long ParallelMinBytes { get; set; } = 1 << 18;

    private const uint TwoPow112Bits = 0x77800000; // 2^112 as float bits

    public static void Forward(ReadOnlySpan<float> x, PackedRows w, Span<float> y, int m, bool parallel = true)
    {
        int n = w.Rows, k = w.Cols;
        if (x.Length < m * k || y.Length < m * n) throw new ArgumentException($"MatVec: need x ({m}, {k}) and y ({m}, {n}).");
        fixed (float* px = x, py = y)
        {
            nint xp = (nint)px, yp = (nint)py;
            // Several chunks per thread: a worker that gets preempted (shared machines) then holds up only a small part.
            var parts = parallel && w.Bytes >= ParallelMinBytes && !CoolingDown() ? Math.Min(WorkerPool.Shared.Threads * 4, n / 16) : 1;
            if (parts <= 1) { Range(w, (float*)xp, (float*)yp, m, 0, n); return; }
            var t0 = Stopwatch.GetTimestamp();
            WorkerPool.Shared.For(parts, p =>
            {
                var n0 = (int)((long)n * p / parts) & ~15;
                var n1 = p == parts - 1 ? n : (int)((long)n * (p + 1) / parts) & ~15;
                Range(w, (float*)xp, (float*)yp, m, n0, n1);
            });
            CheckSplit(Stopwatch.GetTimestamp() - t0, w.Bytes * m);
        }
    }

    // Splitting backs off when it hurts. On a machine whose other cores are busy, a worker that took a chunk and got
    // preempted makes the caller wait for a scheduler slice (milliseconds for a ~20 µs product). A split product
    // that took longer than twice a single thread's time at a conservative 10 GB/s turns splitting off for the next
    // CooldownCalls products (about 8 decode steps at 26M), then it is tried again. Racy by design: a hint.
    private const int CooldownCalls = 256;
    private static int _cooldown;
    private static readonly double TicksPerByte = Stopwatch.Frequency / 10e9;

    private static bool CoolingDown()
    {
        if (_cooldown <= 0) return false;
        _cooldown--;
        return true;
    }

    private static void CheckSplit(long ticks, long bytes)
    {
        if (ticks > 2 * bytes * TicksPerByte) _cooldown = CooldownCalls;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Range(PackedRows w, float* x, float* y, int m, int n0, int n1)
    {
        int n = w.Rows, k = w.Cols;
        var level = Simd.Level;
        if (w.Single is { } single)
        {
            fixed (float* ws = single)
                for (var r = n0; r < n1; r++)
                    DotRows(level, x, ws + (long)r * k, k, m, y + r, n);
            return;
        }
        var row = stackalloc float[k];
        if (w.Int8 is { } q)
        {
            var groups = w.GroupsPerRow;
            fixed (sbyte* wq = q)
            fixed (float* sc = w.Scales)
                for (var r = n0; r < n1; r++)
                {
                    sbyte* wr = wq + (long)r * k;
                    float* sr = sc + (long)r * groups;
                    if (m == 1) { y[r] = DotI8(level, x, wr, sr, k); continue; }
                    DequantizeRow(wr, sr, row, k);
                    for (var i = 0; i < m; i++) y[(long)i * n + r] = DotF32(level, x + (long)i * k, row, k);
                }
            return;
        }
        // One row or many, each output is the same dot product to the bit (DotF16Scaled mirrors DotF32 on the widened
        // row at the 512/256 levels; otherwise the row is widened first): a batch row decodes exactly as it would alone.
        var xs = m == 1 && level >= SimdLevel.Vector256 && ScaleForHalf(x, row, k) ? row : null; // x·2¹¹² in the row buffer
        fixed (ushort* wh = w.Half)
            for (var r = n0; r < n1; r++)
            {
                var wr = wh + (long)r * k;
                if (xs != null) { y[r] = DotF16Scaled(level, xs, x, wr, k); continue; }
                WidenRow(level, wr, row, k);
                DotRows(level, x, row, k, m, y + r, n);
            }
    }

    /// <summary>y[i·ldy] = x_i · w for the m input rows of x (k apart): four inputs per pass over w (eight independent
    /// accumulator chains instead of two), each output with exactly <see cref="DotF32"/>'s operations and order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotRows(SimdLevel level, float* x, float* w, int k, int m, float* y, long ldy)
    {
        var i = 0;
        for (; i + 4 <= m; i += 4)
        {
            float* x0 = x + (long)i * k;
            switch (level)
            {
                case SimdLevel.Vector512: Dot4<Ops512, Vector512<float>>(x0, k, w, y + i * ldy, ldy); break;
                case SimdLevel.Vector256: Dot4<Ops256, Vector256<float>>(x0, k, w, y + i * ldy, ldy); break;
                case SimdLevel.Vector128: Dot4<Ops128, Vector128<float>>(x0, k, w, y + i * ldy, ldy); break;
                default: Dot4<OpsScalar, float>(x0, k, w, y + i * ldy, ldy); break;
            }
        }
        for (; i < m; i++) y[i * ldy] = DotF32(level, x + (long)i * k, w, k);
    }

    /// <summary>Four of <see cref="Dot{TOps, TVec}"/> at once: inputs x, x+n, x+2n, x+3n against one w.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4<TOps, TVec>(float* x, int n, float* y, float* output, long ldo) where TOps : struct, IVecOps<TVec> where TVec : struct
    {
        var w = TOps.Count;
        float* x1 = x + n, x2 = x1 + n, x3 = x2 + n;
        TVec a0 = TOps.Zero, a1 = TOps.Zero, b0 = TOps.Zero, b1 = TOps.Zero, c0 = TOps.Zero, c1 = TOps.Zero, d0 = TOps.Zero, d1 = TOps.Zero;
        var i = 0;
        for (; i <= n - 2 * w; i += 2 * w)
        {
            TVec lo = TOps.Load(y + i), hi = TOps.Load(y + i + w);
            a0 = TOps.Fma(TOps.Load(x + i), lo, a0); a1 = TOps.Fma(TOps.Load(x + i + w), hi, a1);
            b0 = TOps.Fma(TOps.Load(x1 + i), lo, b0); b1 = TOps.Fma(TOps.Load(x1 + i + w), hi, b1);
            c0 = TOps.Fma(TOps.Load(x2 + i), lo, c0); c1 = TOps.Fma(TOps.Load(x2 + i + w), hi, c1);
            d0 = TOps.Fma(TOps.Load(x3 + i), lo, d0); d1 = TOps.Fma(TOps.Load(x3 + i + w), hi, d1);
        }
        for (; i <= n - w; i += w)
        {
            var lo = TOps.Load(y + i);
            a0 = TOps.Fma(TOps.Load(x + i), lo, a0);
            b0 = TOps.Fma(TOps.Load(x1 + i), lo, b0);
            c0 = TOps.Fma(TOps.Load(x2 + i), lo, c0);
            d0 = TOps.Fma(TOps.Load(x3 + i), lo, d0);
        }
        float sa = TOps.Sum(TOps.Add(a0, a1)), sb = TOps.Sum(TOps.Add(b0, b1)), sc = TOps.Sum(TOps.Add(c0, c1)), sd = TOps.Sum(TOps.Add(d0, d1));
        for (; i < n; i++)
        {
            sa += x[i] * y[i]; sb += x1[i] * y[i]; sc += x2[i] * y[i]; sd += x3[i] * y[i];
        }
        output[0] = sa; output[ldo] = sb; output[2 * ldo] = sc; output[3 * ldo] = sd;
    }

    /// <summary>x · W[r, :] exactly as <see cref="Forward"/> computes it for one input row (same kernel, same order).</summary>
    internal static float RowDot(PackedRows w, float* x, int r)
    {
        var k = w.Cols;
        var level = Simd.Level;
        if (w.Single is { } single)
            fixed (float* ws = single) return DotF32(level, x, ws + (long)r * k, k);
        if (w.Int8 is { } q)
            fixed (sbyte* wq = q)
            fixed (float* sc = w.Scales)
                return DotI8(level, x, wq + (long)r * k, sc + (long)r * w.GroupsPerRow, k);
        fixed (ushort* wh = w.Half)
        {
            var buf = stackalloc float[k];
            if (level >= SimdLevel.Vector256 && ScaleForHalf(x, buf, k)) return DotF16Scaled(level, buf, x, wh + (long)r * k, k);
            WidenRow(level, wh + (long)r * k, buf, k);
            return DotF32(level, x, buf, k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Widen512(Vector512<uint> h)
    {
        var mag = Vector512.AsSingle((h & Vector512.Create(0x7fffu)) << 13) * Vector512.Create(TwoPow112Bits).AsSingle();
        return Vector512.AsSingle(Vector512.AsUInt32(mag) | ((h & Vector512.Create(0x8000u)) << 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Widen256(Vector256<uint> h)
    {
        var mag = Vector256.AsSingle((h & Vector256.Create(0x7fffu)) << 13) * Vector256.Create(TwoPow112Bits).AsSingle();
        return Vector256.AsSingle(Vector256.AsUInt32(mag) | ((h & Vector256.Create(0x8000u)) << 16));
    }

    /// <summary>
    /// xs = x · 2¹¹² when every |x| &lt; 2¹⁵ (so nothing overflows); false otherwise. With xs, a float16 weight needs no
    /// rescaling: its bits shifted into a float are w · 2⁻¹¹² exactly (normal or subnormal), and xs·(w·2⁻¹¹²) is the
    /// same real number as x·w, so every fused multiply-add rounds exactly as on the widened weight.
    /// </summary>
    private static bool ScaleForHalf(float* x, float* xs, int k)
    {
        var span = new ReadOnlySpan<float>(x, k);
        if (k == 0 || !(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(span) < 32768f)) return false;
        System.Numerics.Tensors.TensorPrimitives.Multiply(span, BitConverter.UInt32BitsToSingle(TwoPow112Bits), new Span<float>(xs, k));
        return true;
    }

    /// <summary>
    /// x · w for one float16 row on x pre-scaled by 2¹¹² (<see cref="ScaleForHalf"/>): the weight widening is
    /// sign-extend, shift, mask (3 operations per vector instead of <see cref="Widen512"/>'s 7). Same bits as
    /// <see cref="DotF32"/> on the widened row (two accumulators, the same tails); the scalar tail reads the unscaled x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first token: no tier-0 SIMD code
    private static float DotF16Scaled(SimdLevel level, float* xs, float* x, ushort* w, int k)
    {
        var i = 0;
        var sum = 0f;
        if (level == SimdLevel.Vector512)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i <= k - 32; i += 32)
            {
                var h = Vector512.Load((short*)w + i);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(xs + i), Raw512(Vector512.WidenLower(h)), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(xs + i + 16), Raw512(Vector512.WidenUpper(h)), a1);
            }
            for (; i <= k - 16; i += 16)
            {
                var h = Vector256.Load((short*)w + i);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(xs + i), Raw512(Vector512.Create(Vector256.WidenLower(h), Vector256.WidenUpper(h))), a0);
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i <= k - 16; i += 16)
            {
                var h = Vector256.Load((short*)w + i);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + i), Raw256(Vector256.WidenLower(h)), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + i + 8), Raw256(Vector256.WidenUpper(h)), a1);
            }
            for (; i <= k - 8; i += 8)
            {
                var h = Vector128.Load((short*)w + i);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(xs + i), Raw256(Vector256.Create(Vector128.WidenLower(h), Vector128.WidenUpper(h))), a0);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < k; i++) sum += x[i] * (float)BitConverter.UInt16BitsToHalf(w[i]);
        return sum;
    }

    // Sign-extended half bits → w·2⁻¹¹² as float bits: after << 13 the sign sits in bit 31 with copies in bits 30–28,
    // which the mask clears, leaving exponent and mantissa in place.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Raw512(Vector512<int> h) => Vector512.AsSingle((h << 13) & Vector512.Create(unchecked((int)0x8FFFFFFF)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Raw256(Vector256<int> h) => Vector256.AsSingle((h << 13) & Vector256.Create(unchecked((int)0x8FFFFFFF)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WidenRow(SimdLevel level, ushort* w, float* dst, int k)
    {
        var i = 0;
        if (level == SimdLevel.Vector512)
            for (; i <= k - 32; i += 32)
            {
                var h = Vector512.Load(w + i);
                Widen512(Vector512.WidenLower(h)).Store(dst + i);
                Widen512(Vector512.WidenUpper(h)).Store(dst + i + 16);
            }
        else if (level == SimdLevel.Vector256)
            for (; i <= k - 16; i += 16)
            {
                var h = Vector256.Load(w + i);
                Widen256(Vector256.WidenLower(h)).Store(dst + i);
                Widen256(Vector256.WidenUpper(h)).Store(dst + i + 8);
            }
        for (; i < k; i++) dst[i] = (float)BitConverter.UInt16BitsToHalf(w[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float DotF32(SimdLevel level, float* x, float* w, int k) => level switch
    {
        SimdLevel.Vector512 => Dot<Ops512, Vector512<float>>(x, w, k),
        SimdLevel.Vector256 => Dot<Ops256, Vector256<float>>(x, w, k),
        SimdLevel.Vector128 => Dot<Ops128, Vector128<float>>(x, w, k),
        _ => Dot<OpsScalar, float>(x, w, k),
    };

    private static float Dot<TOps, TVec>(float* x, float* y, int n) where TOps : struct, IVecOps<TVec> where TVec : struct
    {
        var w = TOps.Count;
        TVec a0 = TOps.Zero, a1 = TOps.Zero;
        var i = 0;
        for (; i <= n - 2 * w; i += 2 * w)
        {
            a0 = TOps.Fma(TOps.Load(x + i), TOps.Load(y + i), a0);
            a1 = TOps.Fma(TOps.Load(x + i + w), TOps.Load(y + i + w), a1);
        }
        for (; i <= n - w; i += w) a0 = TOps.Fma(TOps.Load(x + i), TOps.Load(y + i), a0);
        var sum = TOps.Sum(TOps.Add(a0, a1));
        for (; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>The reference, in double, reading the stored weights exactly.</summary>
    public static void ForwardNaive(ReadOnlySpan<float> x, PackedRows w, Span<float> y, int m)
    {
        int n = w.Rows, k = w.Cols;
        for (var i = 0; i < m; i++)
        for (var r = 0; r < n; r++)
        {
            double acc = 0;
            for (var j = 0; j < k; j++)
                acc += (double)x[i * k + j] * w[r, j];
            y[i * n + r] = (float)acc;
        }
    }
}
