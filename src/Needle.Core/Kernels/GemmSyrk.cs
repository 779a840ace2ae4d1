using System.Runtime.CompilerServices;

namespace Needle.Core.Kernels;

public static unsafe partial class Gemm
{
    /// <summary>Rows of C per block of the symmetric product: a multiple of every micro-kernel's NR, so a block's
    /// first column starts a packed panel.</summary>
    private const int SyrkBlock = 64;

    /// <summary>
    /// C (n, n) = Y (n, k) · Yᵀ, SYRK-style: Yᵀ is packed once, each block of SyrkBlock rows is multiplied only from
    /// its diagonal to the right (≈ half the multiply-adds for n ≫ SyrkBlock), and the lower triangle is mirrored.
    /// Each C[i, j] sums the same products in the same order as the full <see cref="MatMul(float*, int, bool, float*, int, bool, float*, int, int, int, int, bool, bool)"/>
    /// product (and as C[j, i]), so the result is bit-identical to it and exactly symmetric. One thread (callers
    /// run several of these side by side, e.g. Newton–Schulz over a model's matrices).
    /// </summary>
    public static void MultiplyByTranspose(ReadOnlySpan<float> y, Span<float> c, int n, int k)
    {
        Check(y.Length, k, n, k, "Y");
        Check(c.Length, n, n, n, "C");
        if (n == 0) return;
        if (k == 0) { c[..(n * n)].Clear(); return; }
        fixed (float* py = y, pc = c) MultiplyByTranspose(py, k, pc, n, n, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyByTranspose(float* y, int ldy, float* c, int ldc, int n, int k)
    {
        var kernel = GemmKernel.For(Simd.Level);
        int mr = kernel.MR, nr = kernel.NR;
        var buffers = PackBuffers.ForThread(mr, nr);
        var paddedN = (n + nr - 1) / nr * (long)nr;
        var packB = SyrkScratch(paddedN * k);
        // op(B) = Yᵀ (k, n), packed per KC block in the GemmPackedB layout: column col of block pc at pc·Npad + col·kc.
        for (var pc = 0; pc < k; pc += KC)
            GemmPack.PackB(y, ldy, true, pc, 0, Math.Min(KC, k - pc), n, nr, packB + pc * paddedN);
        for (var i0 = 0; i0 < n; i0 += SyrkBlock)
        {
            var rows = Math.Min(SyrkBlock, n - i0);
            for (var jc = i0; jc < n; jc += NC)
            {
                var nc = Math.Min(NC, n - jc);
                for (var pc = 0; pc < k; pc += KC)
                {
                    var kc = Math.Min(KC, k - pc);
                    MacroTile(kernel, y + (long)i0 * ldy, ldy, false, pc, kc, packB + pc * paddedN + (long)jc * kc, nc,
                        c + (long)i0 * ldc + jc, ldc, rows, buffers.A, overwrite: pc == 0);
                }
            }
        }
        for (var i = 1; i < n; i++)
        {
            var row = c + (long)i * ldc;
            for (var j = 0; j < i; j++) row[j] = c[(long)j * ldc + i];
        }
    }

    [ThreadStatic] private static float[]? _syrkScratch;

    /// <summary>A per-thread, 64-byte aligned buffer of at least <paramref name="length"/> floats (pinned, reused).</summary>
    private static float* SyrkScratch(long length)
    {
        if (_syrkScratch is null || _syrkScratch.Length < length + 16)
            _syrkScratch = GC.AllocateUninitializedArray<float>((int)length + 16, pinned: true);
        var p = (float*)Unsafe.AsPointer(ref _syrkScratch[0]);
        return (float*)(((nint)p + 63) & ~(nint)63);
    }
}
