namespace Needle.Core.Checkpoints.Hub;

public enum HubFailure
{
    /// <summary>DNS failure, connection refused or timed out: the hub cannot be reached from here.</summary>
    Offline,
    NotFound,
    Unauthorized,
    /// <summary>The connection broke mid-file; the .part file is kept so a retry resumes.</summary>
    Interrupted,
    BadResponse,
}

/// <summary>A download that failed, with a message saying what to do about it.</summary>
public sealed class HubDownloadException(HubFailure failure, string message, Exception? inner = null) : IOException(message, inner)
{
    public HubFailure Failure { get; } = failure;
}
