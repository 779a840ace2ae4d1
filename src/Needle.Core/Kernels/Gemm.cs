using System.Runtime.CompilerServices;

namespace Needle.Core.Kernels;

/// <summary>
/// Single-precision GEMM, row-major with leading dimensions: C (M, N) = op(A) (M, K) · op(B) (K, N) [+ C].
/// op(A) = A stored (M, K), or Aᵀ with A stored (K, M) when <c>transA</c>; likewise B stored (K, N) or (N, K).
/// Goto/BLIS blocking (KC × MC × NC) with packed panels and a register-blocked micro-kernel per SIMD level
/// (see GemmKernels.cs). Multi-threaded over N (or M) on <see cref="WorkerPool.Shared"/>.
/// </summary>
public static unsafe partial class Gemm
{
    public const int KC = 512, MC = 96, NC = 2048;

    /// <summary>Below this many multiply-adds a call stays on one thread (the hand-off costs more than it saves).</summary>
    private const long ParallelThreshold = 1 << 19;

    /// <summary>C = op(A)·op(B) (or C += … when <paramref name="accumulate"/>), checked spans.</summary>
    public static void MatMul(ReadOnlySpan<float> a, int lda, bool transA, ReadOnlySpan<float> b, int ldb, bool transB,
        Span<float> c, int ldc, int m, int n, int k, bool accumulate = false, bool parallel = true)
    {
        Check(a.Length, lda, transA ? k : m, transA ? m : k, "A");
        Check(b.Length, ldb, transB ? n : k, transB ? k : n, "B");
        Check(c.Length, ldc, m, n, "C");
        fixed (float* pa = a, pb = b, pc = c)
            MatMul(pa, lda, transA, pb, ldb, transB, pc, ldc, m, n, k, accumulate, parallel);
    }

    /// <summary>Contiguous convenience: C (M, N) = A (M, K) · B (K, N), with optional transposes of the stored operands.</summary>
    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false, bool parallel = true) =>
        MatMul(a, transA ? m : k, transA, b, transB ? k : n, transB, c, n, m, n, k, accumulate, parallel);

    private static void Check(int length, int ld, int rows, int cols, string name)
    {
        if (rows < 0 || cols < 0) throw new ArgumentException($"GEMM {name}: negative dimension ({rows}, {cols}).");
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new ArgumentException($"GEMM {name}: leading dimension {ld} < {cols} columns.");
        if ((long)(rows - 1) * ld + cols > length)
            throw new ArgumentException($"GEMM {name}: span of {length} is too short for ({rows}, {cols}) with ld {ld}.");
    }

    /// <summary>Unchecked pointer form (callers guarantee the extents).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MatMul(float* a, int lda, bool transA, float* b, int ldb, bool transB, float* c, int ldc,
        int m, int n, int k, bool accumulate = false, bool parallel = true)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) for (var i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }
        var kernel = GemmKernel.For(Simd.Level);
        var pool = WorkerPool.Shared;
        var threads = parallel ? pool.Threads : 1;
        if (threads <= 1 || (long)m * n * k < ParallelThreshold)
        {
            Blocked(kernel, a, lda, transA, b, ldb, transB, c, ldc, m, n, k, accumulate);
            return;
        }
        // Split one output side into `threads` slabs aligned to the micro-tile; each slab is an independent GEMM.
        // Every slab packs all of the operand that is not split, so split the side whose other operand is cheaper to
        // pack twice: along N (A duplicated, M·K) when N ≥ M, along M (B duplicated, K·N) when M is larger.
        var splitN = n >= m || m < threads * kernel.MR * 8;
        var unit = splitN ? kernel.NR : kernel.MR;
        var extent = splitN ? n : m;
        var units = (extent + unit - 1) / unit;
        var parts = Math.Min(threads, units);
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        pool.For(parts, part =>
        {
            var u0 = (int)((long)units * part / parts) * unit;
            var u1 = Math.Min(extent, (int)((long)units * (part + 1) / parts) * unit);
            if (u1 <= u0) return;
            float* A = (float*)pa, B = (float*)pb, C = (float*)pc;
            if (splitN)
            {
                var bOff = transB ? (long)u0 * ldb : u0;
                Blocked(kernel, A, lda, transA, B + bOff, ldb, transB, C + u0, ldc, m, u1 - u0, k, accumulate);
            }
            else
            {
                var aOff = transA ? u0 : (long)u0 * lda;
                Blocked(kernel, A + aOff, lda, transA, B, ldb, transB, C + (long)u0 * ldc, ldc, u1 - u0, n, k, accumulate);
            }
        });
    }

    /// <summary>The single-thread Goto loop nest: jc (NC) → pc (KC, pack B) → ic (MC, pack A) → jr → ir micro-tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocked(GemmKernel kernel, float* a, int lda, bool transA, float* b, int ldb, bool transB,
        float* c, int ldc, int m, int n, int k, bool accumulate)
    {
        int mr = kernel.MR, nr = kernel.NR;
        var buffers = PackBuffers.ForThread(mr, nr);
        float* packA = buffers.A, packB = buffers.B;
        for (var jc = 0; jc < n; jc += NC)
        {
            var nc = Math.Min(NC, n - jc);
            for (var pc = 0; pc < k; pc += KC)
            {
                var kc = Math.Min(KC, k - pc);
                var overwrite = pc == 0 && !accumulate;
                GemmPack.PackB(b, ldb, transB, pc, jc, kc, nc, nr, packB);
                MacroTile(kernel, a, lda, transA, pc, kc, packB, nc, c + jc, ldc, m, packA, overwrite);
            }
        }
    }

    /// <summary>C (M, N) = A (M, K) · B (or C += … when <paramref name="accumulate"/>) with B pre-packed once
    /// (<see cref="GemmPackedB"/>); the same blocking and micro-kernel as the unpacked forms, so the same results.</summary>
    public static void MatMul(ReadOnlySpan<float> a, GemmPackedB b, Span<float> c, int m, bool accumulate = false, bool parallel = true)
    {
        ArgumentNullException.ThrowIfNull(b);
        int n = b.N, k = b.K;
        Check(a.Length, k, m, k, "A");
        Check(c.Length, n, m, n, "C");
        if (b.Level != Simd.Level)
        {
            var source = b.Source ?? throw new InvalidOperationException(
                $"B was packed for {b.Level} and its source released; it cannot be used at SIMD level {Simd.Level}.");
            MatMul(a, source, c, m, n, k, transB: b.SourceTransposed, accumulate: accumulate, parallel: parallel);
            return;
        }
        if (m == 0) return;
        var kernel = b.Kernel;
        var threads = parallel ? WorkerPool.Shared.Threads : 1;
        fixed (float* pa0 = a, pc0 = c)
        {
            if (threads <= 1 || (long)m * n * k < ParallelThreshold)
            {
                BlockedPacked(kernel, pa0, k, b, 0, pc0, n, m, n, k, accumulate);
                return;
            }
            // B is packed already, so a split along M duplicates nothing; split along N only when M is too short.
            var splitN = m < threads * kernel.MR * 8;
            var unit = splitN ? kernel.NR : kernel.MR;
            var extent = splitN ? n : m;
            var units = (extent + unit - 1) / unit;
            var parts = Math.Min(threads, units);
            nint pa = (nint)pa0, pc = (nint)pc0;
            WorkerPool.Shared.For(parts, part =>
            {
                var u0 = (int)((long)units * part / parts) * unit;
                var u1 = Math.Min(extent, (int)((long)units * (part + 1) / parts) * unit);
                if (u1 <= u0) return;
                float* A = (float*)pa, C = (float*)pc;
                if (splitN) BlockedPacked(kernel, A, k, b, u0, C + u0, n, m, u1 - u0, k, accumulate);
                else BlockedPacked(kernel, A + (long)u0 * k, k, b, 0, C + (long)u0 * n, n, u1 - u0, n, k, accumulate);
            });
        }
    }

    /// <summary><see cref="Blocked"/> with B's panels read from the pre-packed operand, columns col0… (col0 a multiple of NR).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockedPacked(GemmKernel kernel, float* a, int lda, GemmPackedB b, int col0, float* c, int ldc,
        int m, int n, int k, bool accumulate)
    {
        int mr = kernel.MR, nr = kernel.NR;
        var packA = PackBuffers.ForThread(mr, nr).A;
        var data = b.Data;
        for (var jc = 0; jc < n; jc += NC)
        {
            var nc = Math.Min(NC, n - jc);
            for (var pc = 0; pc < k; pc += KC)
            {
                var kc = Math.Min(KC, k - pc);
                var overwrite = pc == 0 && !accumulate;
                var packB = data + pc * b.PaddedN + (long)(col0 + jc) * kc;
                MacroTile(kernel, a, lda, false, pc, kc, packB, nc, c + jc, ldc, m, packA, overwrite);
            }
        }
    }

    /// <summary>
    /// One packed (kc, nc) panel of B against all of A's rows: ic (MC, pack A) → jr → ir micro-tiles, shared by the
    /// packing and the pre-packed paths. c points at column jc of C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MacroTile(GemmKernel kernel, float* a, int lda, bool transA, int pc, int kc, float* packB, int nc,
        float* c, int ldc, int m, float* packA, bool overwrite)
    {
        int mr = kernel.MR, nr = kernel.NR;
        for (var ic = 0; ic < m; ic += MC)
        {
            var mc = Math.Min(MC, m - ic);
            GemmPack.PackA(a, lda, transA, ic, pc, mc, kc, mr, packA);
            for (var jr = 0; jr < nc; jr += nr)
            {
                var nEff = Math.Min(nr, nc - jr);
                var bPanel = packB + (long)jr * kc;
                for (var ir = 0; ir < mc; ir += mr)
                {
                    var mEff = Math.Min(mr, mc - ir);
                    kernel.Run(kc, packA + (long)ir * kc, bPanel, c + (long)(ic + ir) * ldc + jr, ldc, mEff, nEff, overwrite);
                }
            }
        }
    }

    /// <summary>Per-thread packing buffers, 64-byte aligned, sized for the largest micro-tile.</summary>
    private sealed class PackBuffers
    {
        [ThreadStatic] private static PackBuffers? _current;
        private readonly float[] _storage;
        public readonly float* A;
        public readonly float* B;

        private PackBuffers()
        {
            const int aLen = (MC + 16) * KC, bLen = (NC + 64) * KC;
            _storage = GC.AllocateUninitializedArray<float>(aLen + bLen + 32, pinned: true);
            var p = (float*)Unsafe.AsPointer(ref _storage[0]);
            var aligned = (float*)(((nint)p + 63) & ~(nint)63);
            A = aligned;
            B = aligned + aLen;
        }

        public static PackBuffers ForThread(int mr, int nr) => _current ??= new PackBuffers();
    }
}
