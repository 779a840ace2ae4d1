using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Needle.Core.Checkpoints;

/// <summary>
/// float32 &lt;-&gt; float16 / bfloat16 conversions. Narrowing rounds to nearest, ties to even, like numpy's
/// <c>astype(np.float16)</c> and ml_dtypes' bfloat16 cast; NaN stays NaN (quiet), overflow becomes infinity.
/// </summary>
public static class FloatBits
{
    public static float HalfToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    public static ushort SingleToHalf(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    public static ushort SingleToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040); // keep sign, force a quiet NaN
        var lsb = (bits >> 16) & 1;
        return (ushort)((bits + 0x7FFFu + lsb) >> 16);
    }

    /// <summary>Little-endian float16 bytes -> float32.</summary>
    public static void HalfToSingle(ReadOnlySpan<byte> source, Span<float> destination) =>
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);

    /// <summary>float32 -> little-endian float16 bytes.</summary>
    public static void SingleToHalf(ReadOnlySpan<float> source, Span<byte> destination) =>
        TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));

    /// <summary>Little-endian bfloat16 bytes -> float32.</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var src = MemoryMarshal.Cast<byte, ushort>(source);
        for (var i = 0; i < src.Length; i++) destination[i] = BFloat16ToSingle(src[i]);
    }

    /// <summary>float32 -> little-endian bfloat16 bytes.</summary>
    public static void SingleToBFloat16(ReadOnlySpan<float> source, Span<byte> destination)
    {
        var dst = MemoryMarshal.Cast<byte, ushort>(destination);
        for (var i = 0; i < source.Length; i++) dst[i] = SingleToBFloat16(source[i]);
    }
}
