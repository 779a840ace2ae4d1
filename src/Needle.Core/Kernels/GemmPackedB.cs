using System.Runtime.CompilerServices;

namespace Needle.Core.Kernels;

/// <summary>
/// A constant right-hand operand B (K, N) packed once into the GEMM's panel layout, so products with small M (few
/// rows of A, e.g. teacher-forced logits against the tied embedding) stop re-packing all of B on every call.
/// Layout: for each KC block of K (depth kc), N/NR column panels of (kc, NR), zero-padded to a whole panel;
/// column c (a multiple of NR) of block pc starts at pc·Npad + c·kc. Packed for the SIMD level current at
/// construction; when the level differs later (tests force levels), <see cref="Gemm.MatMul(ReadOnlySpan{float}, GemmPackedB, Span{float}, int, bool, bool)"/>
/// falls back to the unpacked source. Immutable after construction, so safe to share between threads.
/// </summary>
public sealed unsafe class GemmPackedB
{
    private readonly float[] _storage;
    internal readonly GemmKernel Kernel;
    internal readonly SimdLevel Level;
    internal readonly long PaddedN;

    /// <summary>The source, kept by reference (not copied) for the fallback path; null after <see cref="ReleaseSource"/>.</summary>
    internal float[]? Source { get; private set; }
    internal bool SourceTransposed { get; }
    public int K { get; }
    public int N { get; }

    /// <summary>Packs B stored (K, N), or (N, K) when <paramref name="transB"/> (then B is used transposed).</summary>
    public GemmPackedB(float[] b, int k, int n, bool transB = false)
    {
        ArgumentNullException.ThrowIfNull(b);
        if (k <= 0 || n <= 0) throw new ArgumentException($"GemmPackedB: dimensions ({k}, {n}) must be positive.");
        if ((long)k * n > b.Length) throw new ArgumentException($"GemmPackedB: {b.Length} floats is too short for ({k}, {n}).");
        Source = b; SourceTransposed = transB; K = k; N = n;
        Level = Simd.Level;
        Kernel = GemmKernel.For(Level);
        var nr = Kernel.NR;
        PaddedN = (n + nr - 1) / nr * (long)nr;
        _storage = GC.AllocateUninitializedArray<float>((int)(PaddedN * k), pinned: true);
        fixed (float* src = b)
        {
            var dst = Data;
            for (var pc = 0; pc < k; pc += Gemm.KC)
                GemmPack.PackB(src, transB ? k : n, transB, pc, 0, Math.Min(Gemm.KC, k - pc), n, nr, dst + pc * PaddedN);
        }
    }

    /// <summary>Lets the source go (inference-only models keep just the packed copy); the other-SIMD-level fallback then throws.</summary>
    internal void ReleaseSource() => Source = null;

    internal float* Data => (float*)Unsafe.AsPointer(ref _storage[0]);
}
