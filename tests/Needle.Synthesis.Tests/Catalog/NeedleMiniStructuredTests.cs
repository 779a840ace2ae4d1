using System.Text.Json;
using Needle.Core.Inference;
using Needle.Core.Tools;
using Needle.Synthesis.Catalog;
using Needle.Tests;

namespace Needle.Synthesis.Tests.Catalog;

/// <summary>
/// The committed needle-mini on catalogue tools it never trained on: upstream's constraint lets it break the JSON,
/// structured decoding never does (issue #8: Run returns well-formed calls for unseen tool sets).
/// </summary>
public sealed class NeedleMiniStructuredTests
{
    [Fact]
    public void Structured_decoding_gives_well_formed_calls_to_listed_tools_on_unseen_tools()
    {
        var catalog = ToolCatalog.Load(RepoPaths.Combine("src", "Needle.Synthesis", "Catalog", "Data"));
        var heldOut = catalog.Tools.Where(t => catalog.HeldOutNames.Contains(t.Tool.Name)).ToList();
        var examples = new PretrainCorpus(heldOut, new PretrainCorpusOptions { Seed = 7 }).Stream().Where(r => r.Tools != "[]").Take(12).ToList();
        using var runtime = NeedleRuntime.Load(RepoPaths.Combine("checkpoints", "needle-mini", "needle-mini.pkl"));

        int upstreamMalformed = 0;
        foreach (var r in examples)
        {
            var tools = ToolSchemaParser.Parse(r.Tools).Tools;
            var structured = runtime.Generator.Generate(r.Query, r.Tools, new GenerationOptions { Structured = true, MaxGenLen = 160 });
            using var doc = JsonDocument.Parse(structured); // throws when malformed
            foreach (var call in doc.RootElement.EnumerateArray())
            {
                var tool = tools.SingleOrDefault(t => t.Name == call.GetProperty("name").GetString());
                Assert.True(tool is not null, $"{structured} names a tool not in {r.Tools}");
                foreach (var arg in call.GetProperty("arguments").EnumerateObject())
                    Assert.True(tool.FindParameter(arg.Name) is not null, $"{structured}: {arg.Name} is not a parameter of {tool.Name}");
            }
            var upstream = runtime.Generator.Generate(r.Query, r.Tools, new GenerationOptions { Constrained = true, MaxGenLen = 160 });
            try { JsonDocument.Parse(upstream).Dispose(); } catch (JsonException) { upstreamMalformed++; }
        }
        Assert.True(upstreamMalformed > 0, "expected upstream's name/key-only constraint to break the JSON on some unseen-tool example");
    }
}
