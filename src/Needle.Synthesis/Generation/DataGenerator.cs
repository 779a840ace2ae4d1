using System.Text.Json.Nodes;
using Needle.Core.Tools;
using Needle.Synthesis.Recipe;
using Needle.Synthesis.Records;
using Needle.Synthesis.Validation;

namespace Needle.Synthesis.Generation;

/// <summary>
/// Runs the recipe (upstream's <c>generate_all</c>, A8): plans batches, keeps up to <c>Workers</c> of them in flight,
/// validates every example as it arrives, drops duplicates, and submits more batches until 1.3× the requested count
/// is collected or the submission cap is reached; then returns the first N. Batch failures are counted and replaced;
/// fatal provider errors (bad key, unknown model) stop the run.
/// </summary>
public sealed class DataGenerator(IExampleSource source, GenerationOptions? options = null)
{
    private readonly GenerationOptions _options = options ?? new GenerationOptions();

    public async Task<GenerationResult> GenerateAsync(IReadOnlyList<ToolDefinition> tools, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tools);
        if (tools.Count == 0) throw new ArgumentException("At least one tool is needed to generate training data.", nameof(tools));
        var requested = _options.ResolveSamples(tools.Count);
        var target = (int)Math.Ceiling(requested * _options.OverGenerate);
        var batchSize = _options.BatchSize;
        var needed = (target + batchSize - 1) / batchSize;
        var workers = Math.Max(1, Math.Min(_options.Workers, source.MaxConcurrency));
        var maxBatches = Math.Max(needed * _options.MaxBatchFactor, needed + workers);
        var planner = new BatchPlanner(tools, batchSize, _options.Seed, _options.CallTypeMix);

        var state = new RunState(target);
        var running = new List<Task<BatchOutcome>>();
        while (true)
        {
            while (running.Count < workers && state.Accepted.Count < target && state.Submitted < maxBatches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var plan = planner.Next(state.Submitted++);
                progress?.Report(state.Event(GenerationEventKind.BatchStarted, plan.Index));
                running.Add(RunBatchAsync(plan, cancellationToken));
            }
            if (running.Count == 0) break;
            var done = await Task.WhenAny(running).ConfigureAwait(false);
            running.Remove(done);
            var outcome = await done.ConfigureAwait(false);
            if (outcome.Error is { } error)
            {
                cancellationToken.ThrowIfCancellationRequested();
                state.FailedBatches++;
                state.BatchErrors.Add($"batch {outcome.Plan.Index}: {error.Message}");
                progress?.Report(state.Event(GenerationEventKind.BatchFailed, outcome.Plan.Index, error.Message));
                if (error is SynthesisProviderException { IsFatal: true })
                {
                    await DrainAsync(running).ConfigureAwait(false);
                    throw error;
                }
                continue;
            }
            foreach (var raw in outcome.Examples) Accept(raw, outcome.Plan, state, progress);
        }

        var records = state.Accepted.Take(requested).ToList();
        var report = BuildReport(tools, requested, records, state);
        progress?.Report(state.Event(GenerationEventKind.Finished, -1));
        return new GenerationResult(records, report);
    }

    private async Task<BatchOutcome> RunBatchAsync(BatchPlan plan, CancellationToken ct)
    {
        try
        {
            var examples = await source.GenerateAsync(plan, ct).ConfigureAwait(false);
            return new BatchOutcome(plan, examples, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new BatchOutcome(plan, [], e);
        }
    }

    private static async Task DrainAsync(List<Task<BatchOutcome>> running)
    {
        foreach (var t in running) await t.ConfigureAwait(false); // RunBatchAsync never throws except on cancellation
    }

    private void Accept(RawExample raw, BatchPlan plan, RunState state, IProgress<GenerationProgress>? progress)
    {
        state.Generated++;
        var verdict = ExampleValidator.Validate(raw, plan);
        if (!verdict.Accepted)
        {
            state.Reject(verdict.Rejection!.Category);
            progress?.Report(state.Event(GenerationEventKind.ExampleRejected, plan.Index, verdict.Rejection.ToString(), verdict.Query));
            return;
        }
        if (!state.Keys.Add(ExampleValidator.DedupKey(verdict.Query)))
        {
            state.Duplicates++;
            state.Reject("duplicate");
            progress?.Report(state.Event(GenerationEventKind.ExampleRejected, plan.Index, "duplicate", verdict.Query));
            return;
        }
        state.Accepted.Add(new SynthesisRecord
        {
            Query = verdict.Query,
            Tools = ToolSchemaWriter.ToNeedleJson(plan.Tools),
            Answers = verdict.Answers!.ToJsonString(ToolSchemaWriter.CompactOptions),
            Source = source.Source,
            Model = source.Model,
            CallType = plan.CallType.Label(),
            NumTools = plan.Tools.Count,
            Language = plan.Language,
        });
        progress?.Report(state.Event(GenerationEventKind.ExampleAccepted, plan.Index, null, verdict.Query));
    }

    private GenerationReport BuildReport(IReadOnlyList<ToolDefinition> tools, int requested, List<SynthesisRecord> records, RunState state)
    {
        var perTool = tools.ToDictionary(t => t.Name, _ => (Examples: 0, Calls: 0));
        var noCall = 0;
        foreach (var r in records)
        {
            var calls = JsonNode.Parse(r.Answers)!.AsArray();
            if (calls.Count == 0) noCall++;
            foreach (var g in calls.GroupBy(c => (string)c!["name"]!))
                perTool[g.Key] = (perTool[g.Key].Examples + 1, perTool[g.Key].Calls + g.Count());
        }
        var warnings = new List<string>();
        if (records.Count < requested)
            warnings.Add($"Only {records.Count} of {requested} examples were produced; raise the sample count or check the rejection reasons.");
        foreach (var (name, c) in perTool)
            if (c.Examples == 0) warnings.Add($"Tool '{name}' appears in no example.");
            else if (records.Count > 0 && c.Examples < 0.3 * records.Count / tools.Count) warnings.Add($"Tool '{name}' is rare ({c.Examples} examples).");
        if (state.Generated > 0 && state.RejectedTotal > 0.5 * state.Generated)
            warnings.Add($"More than half of the generated examples were rejected ({state.RejectedTotal} of {state.Generated}).");
        if (state.FailedBatches > 0) warnings.Add($"{state.FailedBatches} batches failed.");
        if (records.Count >= 20 && (noCall < 0.05 * records.Count || noCall > 0.30 * records.Count))
            warnings.Add($"No-call examples are {noCall} of {records.Count}; about 14% is expected.");
        return new GenerationReport
        {
            Source = source.Source,
            Model = source.Model,
            Requested = requested,
            Produced = records.Count,
            Generated = state.Generated,
            Accepted = state.Accepted.Count,
            Duplicates = state.Duplicates,
            Rejected = state.RejectedTotal,
            RejectionReasons = new Dictionary<string, int>(state.Reasons),
            BatchesSubmitted = state.Submitted,
            FailedBatches = state.FailedBatches,
            BatchErrors = state.BatchErrors,
            CallTypes = records.GroupBy(r => r.CallType).ToDictionary(g => g.Key, g => g.Count()),
            PerTool = perTool.Select(kv => new ToolCount(kv.Key, kv.Value.Examples, kv.Value.Calls)).ToList(),
            NoCallExamples = noCall,
            Warnings = warnings,
        };
    }

    private sealed record BatchOutcome(BatchPlan Plan, IReadOnlyList<RawExample> Examples, Exception? Error);

    // Touched only by the orchestrating loop (batches return their examples; they never mutate this).
    private sealed class RunState(int target)
    {
        public List<SynthesisRecord> Accepted { get; } = [];
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, int> Reasons { get; } = new(StringComparer.Ordinal);
        public List<string> BatchErrors { get; } = [];
        public int Generated;
        public int Duplicates;
        public int RejectedTotal;
        public int Submitted;
        public int FailedBatches;

        public void Reject(string category)
        {
            RejectedTotal++;
            Reasons[category] = Reasons.GetValueOrDefault(category) + 1;
        }

        public GenerationProgress Event(GenerationEventKind kind, int batch, string? reason = null, string? query = null) =>
            new(kind, target, Generated, Accepted.Count, RejectedTotal, Duplicates, Submitted, FailedBatches, batch, reason, query);
    }
}
