using Needle.Core.Checkpoints;

namespace Needle.Core.Tests.Checkpoints;

/// <summary>The model used when none is named: needle.pkl before needle-mini, nearest checkpoints/ first, tokenizer required.</summary>
public sealed class DefaultModelsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-defaults-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Touch(params string[] parts)
    {
        var path = Path.Combine([_dir, .. parts]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }

    private string Dir(params string[] parts) => Directory.CreateDirectory(Path.Combine([_dir, .. parts])).FullName;

    [Fact]
    public void Needle_mini_is_the_default_until_the_real_weights_are_downloaded()
    {
        var work = Dir("project");
        var mini = Touch("project", "checkpoints", "needle-mini", "needle-mini.pkl");
        var miniTok = Touch("project", "checkpoints", "needle-mini", "needle-mini.model");
        Touch("project", "checkpoints", "needle-mini", "needle-mini.vocab");
        Assert.Equal(new DefaultModel(DefaultModelKind.NeedleMini, mini, miniTok), DefaultModels.Find(work, null));

        // What `needle download` writes (HubOptions.NeedleFiles): needle.pkl + tokenizer/needle.model.
        var needle = Touch("project", "checkpoints", "needle.pkl");
        Assert.Equal(DefaultModelKind.NeedleMini, DefaultModels.Find(work, null)!.Kind); // half-downloaded: no tokenizer yet
        var needleTok = Touch("project", "checkpoints", "tokenizer", "needle.model");
        Assert.Equal(new DefaultModel(DefaultModelKind.Needle, needle, needleTok), DefaultModels.Find(work, null));
    }

    [Fact]
    public void Checkpoints_is_found_from_the_working_directory_upward_then_beside_the_program()
    {
        var deep = Dir("repo", "src", "deep");
        var program = Dir("bin");
        Assert.Null(DefaultModels.Find(deep, program));

        var besideProgram = Touch("bin", "checkpoints", "needle-mini", "needle-mini.pkl");
        Touch("bin", "checkpoints", "needle-mini", "needle-mini.model");
        Assert.Equal(besideProgram, DefaultModels.Find(deep, program)!.CheckpointPath);

        var above = Touch("repo", "checkpoints", "needle-mini", "needle-mini.pkl");
        Touch("repo", "checkpoints", "needle-mini", "needle-mini.model");
        Assert.Equal(above, DefaultModels.Find(deep, program)!.CheckpointPath);
        Assert.Equal([Path.Combine(_dir, "repo", "checkpoints"), Path.Combine(_dir, "bin", "checkpoints")],
            DefaultModels.CheckpointFolders(deep, program).Where(f => f.StartsWith(_dir, StringComparison.Ordinal)));

        // The real weights anywhere win over needle-mini nearer by.
        var needle = Touch("bin", "checkpoints", "needle.pkl");
        Touch("bin", "checkpoints", "needle.model");
        Assert.Equal((DefaultModelKind.Needle, needle), (DefaultModels.Find(deep, program)!.Kind, DefaultModels.Find(deep, program)!.CheckpointPath));
    }

    [Fact]
    public void Another_needle_mini_checkpoint_is_used_when_the_shipped_one_is_absent()
    {
        var pretrained = Touch("checkpoints", "needle-mini", "run2.pkl");
        var tok = Touch("checkpoints", "needle-mini", "needle-mini.model");
        Assert.Equal(new DefaultModel(DefaultModelKind.NeedleMini, pretrained, tok), DefaultModels.InFolder(Path.Combine(_dir, "checkpoints")));

        var shipped = Touch("checkpoints", "needle-mini", "needle-mini.pkl");
        Assert.Equal(shipped, DefaultModels.InFolder(Path.Combine(_dir, "checkpoints"))!.CheckpointPath);
    }

    [Fact]
    public void The_notice_names_needle_mini_and_the_download()
    {
        var mini = new DefaultModel(DefaultModelKind.NeedleMini, "/c/needle-mini/needle-mini.pkl", "/c/needle-mini/needle-mini.model");
        Assert.Equal("using needle-mini (the built-in offline model); `needle download` fetches the real Needle weights", mini.Notice);
        Assert.Contains("/c/needle.pkl", new DefaultModel(DefaultModelKind.Needle, "/c/needle.pkl", "/c/needle.model").Notice);
        Assert.True(DefaultModels.IsMini("needle-mini/needle-mini.pkl"));
        Assert.False(DefaultModels.IsMini("needle.pkl"));
    }
}
