using System.Runtime.CompilerServices;

namespace Needle.Core.Kernels;

/// <summary>Packs GEMM operands into micro-panels: A as MR-row slivers (k-major), B as NR-column slivers (k-major),
/// zero-padded at the edges so the micro-kernel never branches on the inner loop.</summary>
internal static unsafe class GemmPack
{
    /// <summary>Packs op(A)[ic.., pc..] (mc × kc) into ceil(mc/mr) panels of (kc, mr).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, int lda, bool transA, int ic, int pc, int mc, int kc, int mr, float* dst)
    {
        for (var i = 0; i < mc; i += mr)
        {
            var rows = Math.Min(mr, mc - i);
            var panel = dst + (long)i * kc;
            if (transA)
            {
                // A stored (K, M): the mr values of one k are contiguous.
                if (rows == 8 && mr == 8 && GemmTranspose.Supported)
                {
                    for (var p = 0; p < kc; p++)
                        System.Runtime.Intrinsics.Vector256.Store(
                            System.Runtime.Intrinsics.Vector256.Load(a + (long)(pc + p) * lda + ic + i), panel + p * 8);
                    continue;
                }
                for (var p = 0; p < kc; p++)
                {
                    var src = a + (long)(pc + p) * lda + ic + i;
                    var d = panel + p * mr;
                    var r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0f;
                }
            }
            else
            {
                // A stored (M, K): a transpose; whole 8 × 8 blocks in registers, the ragged rest one value at a time.
                if (rows == 8 && mr == 8 && GemmTranspose.Supported)
                {
                    var src0 = a + (long)(ic + i) * lda + pc;
                    var p8 = 0;
                    for (; p8 + 8 <= kc; p8 += 8) GemmTranspose.Block8x8(src0 + p8, lda, panel + p8 * 8, 8);
                    for (var r = 0; r < 8; r++)
                        for (var p = p8; p < kc; p++) panel[p * 8 + r] = src0[(long)r * lda + p];
                    continue;
                }
                for (var r = 0; r < rows; r++)
                {
                    var src = a + (long)(ic + i + r) * lda + pc;
                    var d = panel + r;
                    for (var p = 0; p < kc; p++) d[p * mr] = src[p];
                }
                for (var r = rows; r < mr; r++)
                {
                    var d = panel + r;
                    for (var p = 0; p < kc; p++) d[p * mr] = 0f;
                }
            }
        }
    }

    /// <summary>Packs op(B)[pc.., jc..] (kc × nc) into ceil(nc/nr) panels of (kc, nr).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(float* b, int ldb, bool transB, int pc, int jc, int kc, int nc, int nr, float* dst)
    {
        for (var j = 0; j < nc; j += nr)
        {
            var cols = Math.Min(nr, nc - j);
            var panel = dst + (long)j * kc;
            if (!transB)
            {
                // B stored (K, N): each k gives nr contiguous values.
                var bytes = cols * sizeof(float);
                for (var p = 0; p < kc; p++)
                {
                    var src = b + (long)(pc + p) * ldb + jc + j;
                    var d = panel + p * nr;
                    Buffer.MemoryCopy(src, d, bytes, bytes);
                    for (var col = cols; col < nr; col++) d[col] = 0f;
                }
            }
            else
            {
                // B stored (N, K): a transpose; whole 8 × 8 blocks in registers when the panel is full.
                if (cols == nr && nr % 8 == 0 && GemmTranspose.Supported)
                {
                    var p8 = kc & ~7;
                    for (var g = 0; g < nr; g += 8)
                    {
                        var src0 = b + (long)(jc + j + g) * ldb + pc;
                        for (var p = 0; p < p8; p += 8) GemmTranspose.Block8x8(src0 + p, ldb, panel + p * nr + g, nr);
                        for (var col = 0; col < 8; col++)
                            for (var p = p8; p < kc; p++) panel[p * nr + g + col] = src0[(long)col * ldb + p];
                    }
                    continue;
                }
                for (var col = 0; col < cols; col++)
                {
                    var src = b + (long)(jc + j + col) * ldb + pc;
                    var d = panel + col;
                    for (var p = 0; p < kc; p++) d[p * nr] = src[p];
                }
                for (var col = cols; col < nr; col++)
                {
                    var d = panel + col;
                    for (var p = 0; p < kc; p++) d[p * nr] = 0f;
                }
            }
        }
    }
}
