using Needle.Core.Inference;

namespace Needle.Core.Tests.Inference;

public sealed class NeedleRuntimeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-runtime-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Touch(params string[] parts)
    {
        var path = Path.Combine([_dir, .. parts]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }

    [Fact]
    public void Finds_needle_model_then_tokenizer_folder_then_a_single_model_file()
    {
        var ckpt = Path.Combine(_dir, "needle.pkl");
        var only = Touch("other.model");
        Assert.Equal(only, NeedleRuntime.FindTokenizer(ckpt));
        var nested = Touch("tokenizer", "needle.model");
        Assert.Equal(nested, NeedleRuntime.FindTokenizer(ckpt));
        var beside = Touch("needle.model");
        Assert.Equal(beside, NeedleRuntime.FindTokenizer(ckpt));
    }

    [Fact]
    public void Among_several_model_files_the_one_named_like_the_checkpoint_is_taken()
    {
        var ckpt = Path.Combine(_dir, "needle-mini.pkl");
        Touch("a.model");
        var stem = Touch("needle-mini.model");
        Assert.Equal(stem, NeedleRuntime.FindTokenizer(ckpt));
        var needle = Touch("needle.model");
        Assert.Equal(needle, NeedleRuntime.FindTokenizer(ckpt));
    }

    [Fact]
    public void No_or_several_candidates_say_to_pass_the_tokenizer()
    {
        var ckpt = Path.Combine(_dir, "needle.pkl");
        Assert.Contains("--tokenizer", Assert.Throws<FileNotFoundException>(() => NeedleRuntime.FindTokenizer(ckpt)).Message);
        Touch("a.model");
        Touch("b.model");
        Assert.Contains("a.model", Assert.Throws<FileNotFoundException>(() => NeedleRuntime.FindTokenizer(ckpt)).Message);
    }

    [Fact]
    public void A_missing_checkpoint_is_named_before_any_tokenizer_search()
    {
        var missing = Path.Combine(_dir, "absent.pkl");
        var ex = Assert.Throws<FileNotFoundException>(() => NeedleRuntime.Load(missing));
        Assert.Contains("absent.pkl", ex.Message);
        Assert.DoesNotContain("tokenizer", ex.Message);
    }

    [Fact]
    public void A_tokenizer_larger_than_the_model_vocabulary_is_rejected()
    {
        var tok = GeneratorTests.Tok;
        Assert.Throws<InvalidDataException>(() => new NeedleRuntime(new ScriptedModel(tok.VocabSize - 1), tok, "c.pkl", "t.model"));
    }
}
