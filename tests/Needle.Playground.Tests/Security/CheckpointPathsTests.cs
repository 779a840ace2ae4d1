using Needle.Playground.Security;

namespace Needle.Playground.Tests.Security;

public sealed class CheckpointPathsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("needle-paths-").FullName;

    public void Dispose() => PlaygroundFactory.TryDelete(_root);

    [Theory]
    [InlineData("needle.pkl")]
    [InlineData("bundles/run_1.zip")]
    [InlineData("needle-mini/needle.model")]
    public void Well_formed_names_resolve_inside_the_root(string name)
    {
        var path = CheckpointPaths.Resolve(_root, name, out var error);
        Assert.Null(error);
        Assert.Equal(Path.Combine(_root, name), path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../x.pkl")]
    [InlineData("a/../../x.pkl")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b.pkl")]
    [InlineData(".hidden.pkl")]
    [InlineData("a/b/c.pkl")]
    [InlineData("sp ace.pkl")]
    [InlineData("nul\0.pkl")]
    public void Malformed_or_escaping_names_are_refused(string name)
    {
        Assert.Null(CheckpointPaths.Resolve(_root, name, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void A_link_that_stays_inside_is_fine_and_one_that_leaves_is_not()
    {
        File.WriteAllText(Path.Combine(_root, "real.pkl"), "x");
        File.CreateSymbolicLink(Path.Combine(_root, "alias.pkl"), Path.Combine(_root, "real.pkl"));
        var outside = Directory.CreateTempSubdirectory("needle-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "o.pkl"), "x");
            File.CreateSymbolicLink(Path.Combine(_root, "escape.pkl"), Path.Combine(outside, "o.pkl"));
            Assert.NotNull(CheckpointPaths.Resolve(_root, "alias.pkl", out _));
            Assert.Null(CheckpointPaths.Resolve(_root, "escape.pkl", out var error));
            Assert.Equal("file name points outside checkpoints/", error);
        }
        finally
        {
            PlaygroundFactory.TryDelete(outside);
        }
    }

    [Theory]
    [InlineData("needle.pkl", "needle.pkl")]
    [InlineData("C:\\Users\\me\\my model.pkl", "my_model.pkl")]
    [InlineData("../../.bashrc.pkl", "bashrc.pkl")]
    [InlineData("ünïcode.model", "_n_code.model")]
    [InlineData("...", null)]
    [InlineData("", null)]
    public void Upload_names_keep_only_the_last_segment_in_safe_characters(string original, string? expected) =>
        Assert.Equal(expected, CheckpointPaths.SanitizeUploadName(original));
}
