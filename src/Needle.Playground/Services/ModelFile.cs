namespace Needle.Playground.Services;

public enum ModelFileKind { Checkpoint, Tokenizer, Bundle }

/// <summary>A file in checkpoints/: <see cref="Name"/> is its path relative to that folder, with '/'.</summary>
public sealed record ModelFile(string Name, ModelFileKind Kind, long SizeBytes, DateTimeOffset ModifiedAt)
{
    public static ModelFileKind? KindOf(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".pkl" => ModelFileKind.Checkpoint,
        ".model" => ModelFileKind.Tokenizer,
        ".zip" => ModelFileKind.Bundle,
        _ => null,
    };
}
