using System.Text.Json.Nodes;
using Needle.Core.Data;
using Needle.Core.Tools;
using Needle.Synthesis.Offline;
using Needle.Synthesis.Recipe;
using Needle.Synthesis.Records;
using Needle.Synthesis.Validation;

namespace Needle.Synthesis.Catalog;

/// <summary>How the pretraining corpus draws its examples.</summary>
public sealed record PretrainCorpusOptions
{
    public int Seed { get; init; } = 42;

    /// <summary>Most tools shown in one prompt (at least 1 is shown, except for no_tools examples).</summary>
    public int MaxToolsPerExample { get; init; } = 6;

    /// <summary>Chance that a prompt also carries tools from other domains (distractors the query never needs).</summary>
    public double CrossDomainProbability { get; init; } = 0.5;

    /// <summary>Call types to draw from (duplicates weight them); null is upstream's mix (≈14% no-call).</summary>
    public IReadOnlyList<CallType>? Mix { get; init; }

    /// <summary>Share of examples whose tools and parameters get made-up names (see <see cref="ToolRenamer"/>); 0 = none.</summary>
    public double RenameProbability { get; init; }
}

/// <summary>
/// An endless, seeded stream of pretraining examples from a pool of catalogue tools. Each example shows a random subset
/// of 1..N tools (usually from one domain, so distractors are plausible neighbours, sometimes mixed with other domains)
/// and asks the offline generator (<see cref="OfflineExampleSource"/>; the same templates as user data synthesis) for one
/// example of a weighted call type: single, multi, few-tools, long values, indirect, speech noise, or no call at all.
/// Calls use only some of the shown tools; the rest are distractors. Every example passes <see cref="ExampleValidator"/>
/// (rejected ones are skipped, deterministically). Example i depends only on the seed and i's position in the stream.
/// </summary>
public sealed class PretrainCorpus
{
    private readonly IReadOnlyList<ToolDefinition> _pool;
    private readonly Dictionary<string, List<ToolDefinition>> _byDomain;
    private readonly List<string> _domains;
    private readonly PretrainCorpusOptions _options;
    private readonly OfflineExampleSource _source = new();
    private readonly ToolRenamer? _renamer;

    public PretrainCorpus(IReadOnlyList<CatalogTool> pool, PretrainCorpusOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Count == 0) throw new ArgumentException("The corpus needs at least one tool.", nameof(pool));
        _options = options ?? new PretrainCorpusOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxToolsPerExample, 1);
        _pool = pool.Select(t => t.Tool).ToList();
        _byDomain = pool.GroupBy(t => t.Domain).ToDictionary(g => g.Key, g => g.Select(t => t.Tool).ToList());
        _domains = _byDomain.Keys.Order(StringComparer.Ordinal).ToList();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.RenameProbability);
        if (_options.RenameProbability > 0) _renamer = new ToolRenamer(_pool);
    }

    /// <summary>Examples from <paramref name="skip"/> on (a resumed run skips what it already used), forever.</summary>
    public IEnumerable<SynthesisRecord> Stream(long skip = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        var mix = _options.Mix is { Count: > 0 } m ? m : CallTypes.Weighted;
        for (long index = 0; ; index++)
        {
            // One RNG per example, seeded from (seed, index): skipping needs no replay of earlier examples.
            var rng = new Random(HashSeed(_options.Seed, index));
            var record = Make(rng, mix, index);
            if (record is null) continue;
            if (skip > 0) { skip--; continue; }
            yield return record;
        }
    }

    /// <summary>The first <paramref name="count"/> examples.</summary>
    public IEnumerable<SynthesisRecord> Take(int count) => Stream().Take(count);

    private SynthesisRecord? Make(Random rng, IReadOnlyList<CallType> mix, long index)
    {
        var callType = mix[rng.Next(mix.Count)];
        var tools = PickTools(rng);
        IReadOnlyList<ToolDefinition> shown = callType == CallType.NoTools ? [] : tools;
        if (shown.Count > 0 && rng.NextDouble() < 0.30) shown = shown.Select(t => DescriptionRephraser.Rephrase(t, rng)).ToList();
        var plan = new BatchPlan
        {
            Index = (int)(index % int.MaxValue),
            CallType = callType,
            Tools = shown,
            UserTools = tools,
            Size = 1,
            Seed = rng.Next(),
            Temperature = 1.0,
            Length = (QueryLength)rng.Next(4),
            Persona = PromptHints.Personas[rng.Next(PromptHints.Personas.Count)],
            Themes = [],
        };
        var raw = _source.GenerateAsync(plan, CancellationToken.None).GetAwaiter().GetResult()[0];
        var verdict = ExampleValidator.Validate(raw, plan);
        if (!verdict.Accepted) return null;
        var toolsJson = ToolSchemaWriter.ToNeedleJson(shown);
        var answersJson = verdict.Answers!.ToJsonString(ToolSchemaWriter.CompactOptions);
        // Drawn for every example (renamed or not) so the stream stays the same whatever the rate.
        var renameDraw = rng.NextDouble();
        string? splitKey = null;
        if (_renamer is not null && shown.Count > 0 && renameDraw < _options.RenameProbability)
        {
            splitKey = verdict.Answers is [{ } first, ..] && first["name"] is { } n ? (string?)n : PerToolSplit.NoToolBucket;
            (toolsJson, answersJson) = _renamer.Rename(toolsJson, answersJson, rng);
        }
        return new SynthesisRecord
        {
            Query = verdict.Query,
            Tools = toolsJson,
            Answers = answersJson,
            Source = "needle-mini-corpus",
            Model = OfflineExampleSource.ModelName,
            CallType = callType.Label(),
            NumTools = shown.Count,
            SynthTools = splitKey is not null,
            SplitKey = splitKey,
        };
    }

    private List<ToolDefinition> PickTools(Random rng)
    {
        var count = 1 + rng.Next(_options.MaxToolsPerExample);
        var home = _byDomain[_domains[rng.Next(_domains.Count)]];
        var picked = home.OrderBy(_ => rng.Next()).Take(count).ToList();
        if (picked.Count < count || rng.NextDouble() < _options.CrossDomainProbability)
        {
            var extra = rng.Next(1, Math.Max(2, count));
            foreach (var t in _pool.OrderBy(_ => rng.Next()).Take(extra * 2))
                if (picked.Count < Math.Max(count, 2) + extra && !picked.Contains(t)) picked.Add(t);
        }
        // The tool order in the prompt carries no signal.
        return picked.OrderBy(_ => rng.Next()).ToList();
    }

    private static int HashSeed(int seed, long index)
    {
        // SplitMix64 finalizer: neighbouring indices get unrelated seeds.
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }
}
