using Microsoft.Win32.SafeHandles;

namespace Needle.Core.Checkpoints.Pickle;

/// <summary>
/// A bytes payload left in the file (see <see cref="PickleInput"/>): its offset and length. Read on demand with
/// positional reads, so any part of it can go straight into its destination. Valid while the file stays open.
/// </summary>
internal sealed class PyDeferredBytes(SafeFileHandle file, long offset, long length)
{
    public long Offset { get; } = offset;
    public long Length { get; } = length;

    /// <summary>Copies bytes [start, start + destination.Length) of the payload into <paramref name="destination"/>.</summary>
    public void Read(long start, Span<byte> destination)
    {
        if (start < 0 || start + destination.Length > Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"bytes [{start}, {start + destination.Length}) are outside the {Length}-byte payload.");
        var at = Offset + start;
        while (destination.Length > 0)
        {
            var n = RandomAccess.Read(file, destination, at);
            if (n == 0) throw new InvalidDataException($"the file ended inside an array payload at byte {at}.");
            destination = destination[n..];
            at += n;
        }
    }

    public byte[] ToArray()
    {
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)Length));
        Read(0, bytes);
        return bytes;
    }

    public override string ToString() => $"<{Length} bytes at offset {Offset}>";
}
