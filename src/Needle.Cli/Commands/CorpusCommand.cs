using System.CommandLine;
using System.Text;
using Needle.Synthesis.Catalog;
using Needle.Synthesis.Records;

namespace Needle.Cli.Commands;

/// <summary>
/// `needle corpus --count N --out FILE`: writes N pretraining examples of the tool catalogue as JSONL (the same seeded
/// stream `needle pretrain` trains on; --held-out for the held-out tools instead). The tokenizer recipe reads it.
/// </summary>
public sealed class CorpusCommand : ICliCommand
{
    public Command Build()
    {
        var count = new Option<int>("--count") { Description = "How many examples.", DefaultValueFactory = _ => 1000 };
        var outFile = new Option<string>("--out") { Description = "Output JSONL file.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the stream.", DefaultValueFactory = _ => 42 };
        var catalog = new Option<string?>("--catalog") { Description = "Tool catalogue folder (default: the catalogue shipped beside the program)." };
        var heldOut = new Option<bool>("--held-out") { Description = "Use only the held-out tools (default: only the training tools)." };
        var command = new Command("corpus", "Write offline pretraining examples from the built-in tool catalogue (JSONL).");
        foreach (var o in new Option[] { count, outFile, seed, catalog, heldOut }) command.Options.Add(o);
        command.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            try
            {
                var n = pr.GetValue(count);
                if (n < 0) throw new ArgumentException($"--count must be non-negative (got {n}).");
                var dir = pr.GetValue(catalog) ?? ToolCatalog.FindDefault()
                    ?? throw new ArgumentException($"No tool catalogue found ({ToolCatalog.DefaultRelativePath} above the working folder); pass --catalog.");
                var cat = ToolCatalog.Load(dir);
                var held = pr.GetValue(heldOut);
                var pool = cat.Tools.Where(t => cat.HeldOutNames.Contains(t.Tool.Name) == held).ToList();
                var corpus = new PretrainCorpus(pool, new PretrainCorpusOptions { Seed = pr.GetValue(seed) });
                await SynthesisJsonl.WriteAsync(pr.GetValue(outFile)!, corpus.Take(n), ct);
                pr.InvocationConfiguration.Output.WriteLine($"Wrote {n} examples ({pool.Count} {(held ? "held-out" : "training")} tools) to {pr.GetValue(outFile)}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or DirectoryNotFoundException)
            {
                pr.InvocationConfiguration.Error.WriteLine($"needle corpus: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
