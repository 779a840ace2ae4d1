using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>A GEMM micro-kernel: C[mr × nr tile] (=|+=) packedA (kc, MR) · packedB (kc, NR).</summary>
internal sealed unsafe class GemmKernel
{
    public required int MR { get; init; }
    public required int NR { get; init; }
    public required delegate*<int, float*, float*, float*, int, int, int, bool, void> Run { get; init; }

    private static readonly GemmKernel K512 = new() { MR = 8, NR = 32, Run = &GemmKernels.Kernel8x32 };
    private static readonly GemmKernel K256 = new() { MR = 6, NR = 16, Run = &GemmKernels.Kernel6x16 };
    private static readonly GemmKernel K128 = new() { MR = 4, NR = 8, Run = &GemmKernels.Kernel4x2V<Ops128, Vector128<float>> };
    private static readonly GemmKernel KScalar = new() { MR = 4, NR = 2, Run = &GemmKernels.Kernel4x2V<OpsScalar, float> };

    public static GemmKernel For(SimdLevel level) => level switch
    {
        SimdLevel.Vector512 => K512,
        SimdLevel.Vector256 => K256,
        SimdLevel.Vector128 => K128,
        _ => KScalar,
    };
}

internal static unsafe class GemmKernels
{
    /// <summary>Writes a full register tile, or spills it and copies the valid mr × nr corner.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow512(float* c, Vector512<float> lo, Vector512<float> hi, bool overwrite)
    {
        if (!overwrite)
        {
            lo += Vector512.Load(c);
            hi += Vector512.Load(c + 16);
        }
        lo.Store(c);
        hi.Store(c + 16);
    }

    private static void CopyTile(float* tile, int tileLd, float* c, int ldc, int mr, int nr, bool overwrite)
    {
        for (var r = 0; r < mr; r++)
        {
            float* src = tile + r * tileLd, dst = c + (long)r * ldc;
            if (overwrite) for (var j = 0; j < nr; j++) dst[j] = src[j];
            else for (var j = 0; j < nr; j++) dst[j] += src[j];
        }
    }

    /// <summary>AVX-512: 8 rows × 32 columns in 16 zmm accumulators; per k one broadcast + 2 FMAs per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel8x32(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool overwrite)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var av = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            a += 8;
            b += 32;
        }
        if (mr == 8 && nr == 32)
        {
            StoreRow512(c, c00, c01, overwrite); StoreRow512(c + ldc, c10, c11, overwrite);
            StoreRow512(c + 2 * ldc, c20, c21, overwrite); StoreRow512(c + 3 * ldc, c30, c31, overwrite);
            StoreRow512(c + 4 * ldc, c40, c41, overwrite); StoreRow512(c + 5 * ldc, c50, c51, overwrite);
            StoreRow512(c + 6 * ldc, c60, c61, overwrite); StoreRow512(c + 7 * ldc, c70, c71, overwrite);
            return;
        }
        var tile = stackalloc float[8 * 32];
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144); c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208); c70.Store(tile + 224); c71.Store(tile + 240);
        CopyTile(tile, 32, c, ldc, mr, nr, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow256(float* c, Vector256<float> lo, Vector256<float> hi, bool overwrite)
    {
        if (!overwrite)
        {
            lo += Vector256.Load(c);
            hi += Vector256.Load(c + 8);
        }
        lo.Store(c);
        hi.Store(c + 8);
    }

    /// <summary>AVX2: 6 rows × 16 columns in 12 ymm accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool overwrite)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var av = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            a += 6;
            b += 16;
        }
        if (mr == 6 && nr == 16)
        {
            StoreRow256(c, c00, c01, overwrite); StoreRow256(c + ldc, c10, c11, overwrite);
            StoreRow256(c + 2 * ldc, c20, c21, overwrite); StoreRow256(c + 3 * ldc, c30, c31, overwrite);
            StoreRow256(c + 4 * ldc, c40, c41, overwrite); StoreRow256(c + 5 * ldc, c50, c51, overwrite);
            return;
        }
        var tile = stackalloc float[6 * 16];
        c00.Store(tile); c01.Store(tile + 8); c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40); c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72); c50.Store(tile + 80); c51.Store(tile + 88);
        CopyTile(tile, 16, c, ldc, mr, nr, overwrite);
    }

    /// <summary>Width-generic fallback (Vector128 and scalar): 4 rows × 2 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel4x2V<TOps, TVec>(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, bool overwrite)
        where TOps : struct, IVecOps<TVec> where TVec : struct
    {
        var w = TOps.Count;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero,
            c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
        for (var p = 0; p < kc; p++)
        {
            var b0 = TOps.Load(b);
            var b1 = TOps.Load(b + w);
            var av = TOps.Broadcast(a[0]); c00 = TOps.Fma(av, b0, c00); c01 = TOps.Fma(av, b1, c01);
            av = TOps.Broadcast(a[1]); c10 = TOps.Fma(av, b0, c10); c11 = TOps.Fma(av, b1, c11);
            av = TOps.Broadcast(a[2]); c20 = TOps.Fma(av, b0, c20); c21 = TOps.Fma(av, b1, c21);
            av = TOps.Broadcast(a[3]); c30 = TOps.Fma(av, b0, c30); c31 = TOps.Fma(av, b1, c31);
            a += 4;
            b += 2 * w;
        }
        var tile = stackalloc float[4 * 2 * 16];
        var ld = 2 * w;
        TOps.Store(tile, c00); TOps.Store(tile + w, c01);
        TOps.Store(tile + ld, c10); TOps.Store(tile + ld + w, c11);
        TOps.Store(tile + 2 * ld, c20); TOps.Store(tile + 2 * ld + w, c21);
        TOps.Store(tile + 3 * ld, c30); TOps.Store(tile + 3 * ld + w, c31);
        CopyTile(tile, ld, c, ldc, mr, nr, overwrite);
    }
}
