using Needle.Synthesis.Providers.Gemini;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Providers;
using Needle.Synthesis.Providers.Llm;

namespace Needle.Synthesis.Tests.Providers;

public sealed class ResponseParserTests
{
    [Theory]
    [InlineData("[{\"query\":\"q\",\"answers\":[]}]")]
    [InlineData("```json\n[{\"query\":\"q\",\"answers\":[]}]\n```")]
    [InlineData("{\"examples\":[{\"query\":\"q\",\"answers\":[]}]}")]
    [InlineData("Here you go:\n[{\"query\":\"q\",\"function_calls\":[]}]\nEnjoy!")]
    [InlineData("[{\"query\":\"q\",\"answers\":\"[]\"}]")]
    public void Accepts_the_shapes_models_actually_return(string text)
    {
        var example = Assert.Single(ResponseParser.Parse(text));
        Assert.Equal("q", example.Query);
        Assert.Equal("[]", example.Answers!.ToJsonString());
    }

    [Theory]
    [InlineData("I cannot help with that.")]
    [InlineData("[{\"query\": \"unterminated")]
    [InlineData("{\"query\":\"q\"}")]
    public void Text_without_an_array_fails_the_batch(string text) =>
        Assert.False(Assert.Throws<SynthesisProviderException>(() => ResponseParser.Parse(text)).IsFatal);

    [Fact]
    public void Provider_is_picked_from_settings_then_environment()
    {
        static string? None(string _) => null;
        Assert.Equal(SynthesisProvider.Offline, ExampleSourceFactory.Resolve(new ProviderSettings(), None));
        Assert.Equal(SynthesisProvider.Gemini, ExampleSourceFactory.Resolve(new ProviderSettings(), k => k == "GEMINI_API_KEY" ? " a , b " : null));
        Assert.Equal(SynthesisProvider.OpenAi, ExampleSourceFactory.Resolve(new ProviderSettings(), k => k == "OPENROUTER_API_KEY" ? "k" : null));
        Assert.Equal(SynthesisProvider.Vertex, ExampleSourceFactory.Resolve(new ProviderSettings { Provider = SynthesisProvider.Vertex }, None));
        Assert.Equal(["a", "b"], GeminiOptions.SplitKeys(" a , ,b "));
        Assert.DoesNotContain("secret", new ProviderSettings { ApiKey = "secret" }.ToString());
        Assert.DoesNotContain("secret", new GeminiOptions { ApiKeys = ["secret"] }.ToString());
    }
}
