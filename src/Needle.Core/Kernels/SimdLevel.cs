using System.Runtime.Intrinsics;

namespace Needle.Core.Kernels;

/// <summary>Which SIMD width the kernels use. Chosen from the hardware; tests force each level to check it.</summary>
public enum SimdLevel
{
    Scalar = 0,
    Vector128 = 1,
    Vector256 = 2,
    Vector512 = 3,
}

/// <summary>The active SIMD level for every kernel in this assembly.</summary>
public static class Simd
{
    /// <summary>The widest level the hardware accelerates.</summary>
    public static SimdLevel Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512 :
        Vector256.IsHardwareAccelerated ? SimdLevel.Vector256 :
        Vector128.IsHardwareAccelerated ? SimdLevel.Vector128 : SimdLevel.Scalar;

    private static SimdLevel? _override;

    /// <summary>The level in use: <see cref="Best"/> unless a test overrides it.</summary>
    public static SimdLevel Level => _override ?? Best;

    /// <summary>Forces a level (tests only). Returns a scope that restores the previous one. Not thread-safe: tests
    /// that use it must not run in parallel with other kernel tests (they share one xunit collection).</summary>
    internal static IDisposable Force(SimdLevel level)
    {
        if (level > Best) throw new NotSupportedException($"SIMD level {level} is not accelerated on this machine.");
        var previous = _override;
        _override = level;
        return new Restore(previous);
    }

    private sealed class Restore(SimdLevel? previous) : IDisposable
    {
        public void Dispose() => _override = previous;
    }
}
