using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Needle.Core.Kernels;

/// <summary>
/// The int8 dot products behind <see cref="MatVec"/>: x · (q · scale) computed as Σ_g scale_g · (Σ_{i∈g} x_i·q_i)
/// over groups of <see cref="PackedRows.GroupSize"/> inputs, so the scale costs one multiply per 32 weights. The
/// weights are sign-extended (vpmovsxbd) and converted to float; the sums are float32, like the float16 path.
/// </summary>
public static unsafe partial class MatVec
{
    private const int Group = PackedRows.GroupSize;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotI8(SimdLevel level, float* x, sbyte* q, float* scales, int k)
    {
        var full = k / Group; // groups handled by vectors; a partial last group goes scalar
        var sum = 0f;
        var g = 0;
        if (level == SimdLevel.Vector512)
        {
            // Two accumulators: the per-group FMA into acc is a dependency chain longer than a group's other work.
            Vector512<float> acc0 = default, acc1 = default;
            for (; g + 1 < full; g += 2)
            {
                var p = q + g * Group;
                var xp = x + g * Group;
                var s0 = Vector512.Load(xp) * Widen16(p);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(xp + 16), Widen16(p + 16), s0);
                var s1 = Vector512.Load(xp + 32) * Widen16(p + 32);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(xp + 48), Widen16(p + 48), s1);
                acc0 = Vector512.FusedMultiplyAdd(s0, Vector512.Create(scales[g]), acc0);
                acc1 = Vector512.FusedMultiplyAdd(s1, Vector512.Create(scales[g + 1]), acc1);
            }
            for (; g < full; g++)
            {
                var p = q + g * Group;
                var xp = x + g * Group;
                var s0 = Vector512.Load(xp) * Widen16(p);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(xp + 16), Widen16(p + 16), s0);
                acc0 = Vector512.FusedMultiplyAdd(s0, Vector512.Create(scales[g]), acc0);
            }
            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<float> acc = default;
            for (; g < full; g++)
            {
                var p = q + g * Group;
                var xp = x + g * Group;
                var s0 = Vector256.Load(xp) * Widen8(p);
                var s1 = Vector256.Load(xp + 8) * Widen8(p + 8);
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(xp + 16), Widen8(p + 16), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(xp + 24), Widen8(p + 24), s1);
                acc = Vector256.FusedMultiplyAdd(s0 + s1, Vector256.Create(scales[g]), acc);
            }
            sum = Vector256.Sum(acc);
        }
        else if (level == SimdLevel.Vector128)
        {
            Vector128<float> acc = default;
            for (; g < full; g++)
            {
                var p = q + g * Group;
                var xp = x + g * Group;
                var s0 = Vector128<float>.Zero;
                var s1 = Vector128<float>.Zero;
                for (var j = 0; j < Group; j += 16)
                {
                    var b = Vector128.Load(p + j);
                    Vector128<short> lo = Vector128.WidenLower(b), hi = Vector128.WidenUpper(b);
                    s0 = Vector128.FusedMultiplyAdd(Vector128.Load(xp + j), Vector128.ConvertToSingle(Vector128.WidenLower(lo)), s0);
                    s1 = Vector128.FusedMultiplyAdd(Vector128.Load(xp + j + 4), Vector128.ConvertToSingle(Vector128.WidenUpper(lo)), s1);
                    s0 = Vector128.FusedMultiplyAdd(Vector128.Load(xp + j + 8), Vector128.ConvertToSingle(Vector128.WidenLower(hi)), s0);
                    s1 = Vector128.FusedMultiplyAdd(Vector128.Load(xp + j + 12), Vector128.ConvertToSingle(Vector128.WidenUpper(hi)), s1);
                }
                acc = Vector128.FusedMultiplyAdd(s0 + s1, Vector128.Create(scales[g]), acc);
            }
            sum = Vector128.Sum(acc);
        }
        for (; g * Group < k; g++)
        {
            int c0 = g * Group, c1 = Math.Min(k, c0 + Group);
            var s = 0f;
            for (var c = c0; c < c1; c++) s += x[c] * q[c];
            sum += s * scales[g];
        }
        return sum;
    }

    /// <summary>16 int8 at p as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen16(sbyte* p)
    {
        if (Avx512F.IsSupported) return Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(p)));
        var b = Vector128.Load(p);
        Vector128<short> lo = Vector128.WidenLower(b), hi = Vector128.WidenUpper(b);
        return Vector512.ConvertToSingle(Vector512.Create(
            Vector256.Create(Vector128.WidenLower(lo), Vector128.WidenUpper(lo)),
            Vector256.Create(Vector128.WidenLower(hi), Vector128.WidenUpper(hi))));
    }

    /// <summary>8 int8 at p as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen8(sbyte* p)
    {
        if (Avx2.IsSupported) return Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(p));
        var s = Vector128.WidenLower(Vector128.CreateScalar(*(long*)p).AsSByte());
        return Vector256.ConvertToSingle(Vector256.Create(Vector128.WidenLower(s), Vector128.WidenUpper(s)));
    }

    /// <summary>dst[c] = q[c] · scale of its group, for M &gt; 1 rows sharing one dequantized weight row.</summary>
    private static void DequantizeRow(sbyte* q, float* scales, float* dst, int k)
    {
        for (var c = 0; c < k; c++) dst[c] = q[c] * scales[c / Group];
    }
}
