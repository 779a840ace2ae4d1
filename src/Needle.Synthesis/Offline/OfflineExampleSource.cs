using System.Text.Json.Nodes;
using Needle.Core.Tools;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Recipe;
using Needle.Synthesis.Validation;

namespace Needle.Synthesis.Offline;

/// <summary>
/// Generates examples without any model or key, deterministically for a batch's seed. Queries are built from each
/// tool's name, description and parameters: a verb phrase, argument phrases carrying values from realistic pools,
/// politeness and question templates, multi-call joins, disfluencies and typos (never inside values), and off-topic
/// or near-miss queries with no calls. Every value in an answer is quoted verbatim in its query.
/// </summary>
public sealed class OfflineExampleSource : IExampleSource
{
    public const string SourceName = "offline";
    public const string ModelName = "needle-offline-templates-v1";

    private static readonly string[] Contexts =
    [
        "I'm driving right now, so ", "before I forget, ", "my hands are full, ", "since the meeting ended early, ", "ok, ",
        "for later today, ", "while I'm cooking, ", "real quick, ", "I'm heading out soon and ", "one more thing: ",
    ];

    private static readonly string[] Joiners = [" and ", ", then ", ". Also ", " and also ", ", plus ", "; after that ", " and then "];

    public string Source => SourceName;
    public string Model => ModelName;
    public int MaxConcurrency => 1;

    public Task<IReadOnlyList<RawExample>> GenerateAsync(BatchPlan plan, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var rng = new Random(plan.Seed);
        var phrasings = plan.UserTools.Select(t => new ToolPhrasing(t)).ToList();
        var list = new List<RawExample>(plan.Size);
        for (var i = 0; i < plan.Size; i++)
            list.Add(One(plan, phrasings, rng));
        return Task.FromResult<IReadOnlyList<RawExample>>(list);
    }

    private static RawExample One(BatchPlan plan, List<ToolPhrasing> tools, Random rng)
    {
        switch (plan.CallType)
        {
            case CallType.None:
                return new RawExample(OffTopic(tools, rng), new JsonArray());
            case CallType.NearMiss:
                return new RawExample(NearMiss(tools, rng) ?? OffTopic(tools, rng), new JsonArray());
            case CallType.NoTools:
                return new RawExample(Positive(plan with { CallType = CallType.Single }, tools, rng).Query, new JsonArray());
            default:
                return Positive(plan, tools, rng);
        }
    }

    private static RawExample Positive(BatchPlan plan, List<ToolPhrasing> tools, Random rng)
    {
        var callCount = plan.CallType switch
        {
            CallType.Single => 1,
            CallType.Multi or CallType.MultiLongValues => rng.Next(2, 4),
            CallType.MultiFewTools => rng.Next(2, 5),
            _ => rng.Next(1, 3),
        };
        var pool = plan.CallType == CallType.MultiFewTools
            ? tools.OrderBy(_ => rng.Next()).Take(rng.Next(1, Math.Min(3, tools.Count) + 1)).ToList()
            : tools;
        var preferLong = plan.CallType == CallType.MultiLongValues;
        var onlyRequired = plan.Length == QueryLength.UltraShort;

        var answers = new JsonArray();
        var clauses = new List<Phrase>();
        var question = false;
        var usedKeys = new HashSet<string>();
        for (var c = 0; c < callCount; c++)
        {
            // Different tools when the batch asks for that; and never the same call twice for tools with nothing to
            // vary ("toggle wifi on, then off" teaches nothing).
            var candidates = pool.Where(t => answers.All(a => (string)a!["name"]! != t.Tool.Name)
                                             || plan.CallType is not CallType.Multi && CanRepeat(t.Tool)).ToList();
            if (plan.CallType is CallType.Multi && candidates.Count == 0) candidates = pool.Where(t => CanRepeat(t.Tool)).ToList();
            if (candidates.Count == 0) break;
            var tool = candidates[rng.Next(candidates.Count)];
            // The same call twice says nothing new: resample values, and give up on tools with nothing to vary.
            (JsonObject Args, Phrase Phrase)? call = null;
            for (var attempt = 0; attempt < 6 && call is null; attempt++)
            {
                var sampled = SampleArguments(tool.Tool, rng, preferLong, onlyRequired && c == 0 && attempt == 0, selfCorrect: plan.CallType == CallType.Disfluent);
                if (usedKeys.Add(tool.Tool.Name + sampled.Args.ToJsonString())) call = sampled;
            }
            if (call is null) continue;
            var first = clauses.Count == 0;
            var clause = first && plan.CallType == CallType.Indirect ? tool.Indirect(call.Value.Phrase, rng) : tool.Command(call.Value.Phrase, rng, first);
            if (first && tool.IsInfo && clause.Segments.Count > 0 && !clause.Segments[0].Text.Contains(' ' + tool.Forms[0].Verb + ' ')) question |= rng.Next(2) == 0;
            clauses.Add(clause);
            answers.Add(new JsonObject { ["name"] = tool.Tool.Name, ["arguments"] = call.Value.Args });
        }

        var phrase = new Phrase();
        if (plan.Length == QueryLength.Long || plan.Length == QueryLength.Medium && rng.Next(3) == 0)
            phrase.Text(ValueSampler.Pick(rng, Contexts));
        for (var i = 0; i < clauses.Count; i++)
        {
            if (i > 0) phrase.Text(ValueSampler.Pick(rng, Joiners));
            phrase.Append(clauses[i]);
        }
        if (plan.CallType == CallType.Disfluent) phrase = Noise.Disfluent(phrase, rng);
        if (plan.CallType == CallType.Garbled) phrase = Noise.Typos(phrase, rng);
        return new RawExample(Noise.Finish(phrase, rng, question && clauses.Count == 1), answers);
    }

    private static readonly string[] Corrections = [", no wait, ", "... sorry, ", ", I mean ", ", actually make that "];

    private static (JsonObject Args, Phrase Phrase) SampleArguments(ToolDefinition tool, Random rng, bool preferLong, bool onlyRequired, bool selfCorrect = false)
    {
        var args = new JsonObject();
        var parts = new List<Phrase>();
        foreach (var p in tool.Parameters)
        {
            if (!p.Required && (onlyRequired || rng.Next(2) == 0)) continue;
            var a = ValueSampler.Sample(p, tool.Name, rng, preferLong);
            args[p.Name] = a.Value;
            var said = a.Phrase;
            // Speech self-corrections: "for 5, no wait, 12 minutes". The answer keeps the corrected value.
            if (selfCorrect && p.Enum is null && p.Type is ToolParameterType.Number or ToolParameterType.Integer && rng.Next(3) == 0)
                said = SelfCorrect(said, JsonNumber.GetDouble(a.Value), rng);
            parts.Add(said);
        }
        // Arguments can come in any order in speech; the answer keeps schema order.
        var phrase = new Phrase().Text(" ");
        foreach (var part in parts.OrderBy(_ => rng.Next())) phrase.Append(part);
        return (args, phrase);
    }

    private static bool CanRepeat(ToolDefinition tool) =>
        tool.Parameters.Any(p => p.Enum is null && p.Type is not ToolParameterType.Boolean || p.Enum is { Count: >= 3 });

    private static Phrase SelfCorrect(Phrase phrase, double value, Random rng)
    {
        var at = phrase.Segments.FindIndex(x => x.IsValue);
        if (at < 0) return phrase;
        var wrong = value + (rng.Next(2) == 0 ? 1 : -1) * (1 + rng.Next(5));
        if (wrong < 0 || wrong == value) return phrase;
        var corrected = new Phrase();
        corrected.Segments.AddRange(phrase.Segments.Take(at));
        corrected.Text(wrong.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + ValueSampler.Pick(rng, Corrections));
        corrected.Segments.AddRange(phrase.Segments.Skip(at));
        return corrected;
    }

    private static string OffTopic(List<ToolPhrasing> tools, Random rng)
    {
        var blocked = tools.SelectMany(t => t.NameWords).Where(w => w.Length > 3).ToHashSet();
        for (var attempt = 0; ; attempt++)
        {
            var q = NegativeQueries.OffTopic[rng.Next(NegativeQueries.OffTopic.Length)];
            if (attempt < 20 && blocked.Any(w => q.Contains(w, StringComparison.OrdinalIgnoreCase))) continue;
            var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, ValueSampler.Pick(rng, NegativeQueries.Wrappers), q);
            return Noise.Finish(new Phrase().Text(text), rng, question: true);
        }
    }

    private static string? NearMiss(List<ToolPhrasing> tools, Random rng)
    {
        var nameWords = tools.SelectMany(t => t.NameWords).ToHashSet();
        var allowed = NegativeQueries.NearMiss.Where(n => !n.BlockedBy.Any(nameWords.Contains)).ToList();
        if (allowed.Count == 0) return null;
        var tool = tools[rng.Next(tools.Count)];
        var bare = tool.BareObject(rng);
        if (bare.Length == 0) return null;
        var template = allowed[rng.Next(allowed.Count)].Template;
        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, bare);
        return Noise.Finish(new Phrase().Text(ValueSampler.Pick(rng, "", "", "hey, ", "quick question: ", "I was wondering, ") + text), rng, question: true);
    }
}
