namespace Needle.Core.Checkpoints.Hub;

/// <summary>Bytes of <see cref="File"/> on disk so far (including a resumed part) out of <see cref="TotalBytes"/> if known.</summary>
public sealed record DownloadProgress(string File, long BytesDone, long? TotalBytes)
{
    public double? Fraction => TotalBytes is > 0 ? (double)BytesDone / TotalBytes.Value : null;
}
