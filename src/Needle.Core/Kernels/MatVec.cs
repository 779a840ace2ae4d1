using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Needle.Core.Kernels;

/// <summary>
/// y (M, N) = x (M, K) · Wᵀ for W in <see cref="PackedRows"/> (N, K): the decode-time product, where M is the number of
/// rows being decoded (often 1) and the cost is reading W once. Float16 weights are widened on the fly with an exact
/// integer trick (bits &lt;&lt; 13, times 2^112, sign restored), which handles normals and subnormals; int8 weights
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
                for (var i = 0; i < m; i++)
                    y[(long)i * n + r] = DotF32(level, x + (long)i * k, ws + (long)r * k, k);
            return;
        }
        var row = stackalloc float[m > 1 ? k : 1];
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
        fixed (ushort* wh = w.Half)
            for (var r = n0; r < n1; r++)
            {
                var wr = wh + (long)r * k;
                if (m == 1) { y[r] = DotF16(level, x, wr, k); continue; }
                WidenRow(level, wr, row, k);
                for (var i = 0; i < m; i++) y[(long)i * n + r] = DotF32(level, x + (long)i * k, row, k);
            }
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
        fixed (ushort* wh = w.Half) return DotF16(level, x, wh + (long)r * k, k);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first token: no tier-0 SIMD code
    private static float DotF16(SimdLevel level, float* x, ushort* w, int k)
    {
        var i = 0;
        var sum = 0f;
        if (level == SimdLevel.Vector512)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i <= k - 32; i += 32)
            {
                var h = Vector512.Load(w + i);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Widen512(Vector512.WidenLower(h)), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(x + i + 16), Widen512(Vector512.WidenUpper(h)), a1);
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i <= k - 16; i += 16)
            {
                var h = Vector256.Load(w + i);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Widen256(Vector256.WidenLower(h)), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 8), Widen256(Vector256.WidenUpper(h)), a1);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < k; i++) sum += x[i] * (float)BitConverter.UInt16BitsToHalf(w[i]);
        return sum;
    }

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
