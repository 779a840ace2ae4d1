using System.Text.Json.Nodes;
using Needle.Core.Tools;
using Needle.Synthesis.Generation;
using Needle.Synthesis.Recipe;
using Needle.Synthesis.Validation;

namespace Needle.Synthesis.Tests.Generation;

public sealed class DataGeneratorTests
{
    private static readonly IReadOnlyList<ToolDefinition> Tools = ToolSchemaParser.Parse("""[{"name":"ping","description":"Ping a host.","parameters":{"host":{"type":"string","description":"Host","required":true}}}]""").Tools;

    /// <summary>A scripted source: each batch returns what the script says for its index (or throws).</summary>
    private sealed class ScriptedSource(Func<BatchPlan, IReadOnlyList<RawExample>> script, int concurrency = 1) : IExampleSource
    {
        public List<BatchPlan> Plans { get; } = [];
        public string Source => "test";
        public string Model => "scripted";
        public int MaxConcurrency => concurrency;

        public Task<IReadOnlyList<RawExample>> GenerateAsync(BatchPlan plan, CancellationToken cancellationToken)
        {
            lock (Plans) Plans.Add(plan);
            return Task.Run(() => script(plan), cancellationToken);
        }
    }

    private static RawExample Ping(string host, int i) => new($"ping {host} number {i}", new JsonArray(new JsonObject { ["name"] = "ping", ["arguments"] = new JsonObject { ["host"] = host } }));

    [Fact]
    public async Task Stops_at_the_over_generation_target_and_returns_exactly_the_request()
    {
        var source = new ScriptedSource(p => Enumerable.Range(0, p.Size).Select(i => Ping($"h{p.Index}", i)).ToList(), concurrency: 3);
        var result = await new DataGenerator(source, new GenerationOptions { NumSamples = 40, BatchSize = 10, Workers = 3, CallTypeMix = [CallType.Single] }).GenerateAsync(Tools);
        Assert.Equal(40, result.Records.Count);
        Assert.InRange(source.Plans.Count, 6, 8); // 52 needed = 6 batches, plus at most 2 more already in flight
        Assert.Equal(source.Plans.Count, result.Report.BatchesSubmitted);
    }

    [Fact]
    public async Task Duplicates_and_failures_are_counted_and_the_cap_bounds_attempts()
    {
        var source = new ScriptedSource(p => p.Index % 2 == 0 ? throw new SynthesisProviderException("flaky") : [Ping("same", 0), Ping("same", 0)]);
        var events = new List<GenerationProgress>();
        var result = await new DataGenerator(source, new GenerationOptions { NumSamples = 10, BatchSize = 5, Workers = 1, CallTypeMix = [CallType.Single] })
            .GenerateAsync(Tools, new Providers.SyncProgress<GenerationProgress>(events.Add));
        Assert.Single(result.Records);
        Assert.Equal(9, result.Report.BatchesSubmitted); // 13 needed → 3 batches × 3 = 9
        Assert.Equal(5, result.Report.FailedBatches);
        Assert.Equal(7, result.Report.Duplicates); // 4 good batches × 2 examples − 1 kept
        Assert.Contains(result.Report.Warnings, w => w.Contains("Only 1 of 10"));
        Assert.Equal(5, events.Count(e => e.Kind == GenerationEventKind.BatchFailed));
        Assert.Equal(1, events.Count(e => e.Kind == GenerationEventKind.ExampleAccepted));
    }

    [Fact]
    public async Task Fatal_errors_stop_the_run()
    {
        var source = new ScriptedSource(_ => throw new SynthesisProviderException("bad key", isFatal: true));
        var e = await Assert.ThrowsAsync<SynthesisProviderException>(() => new DataGenerator(source).GenerateAsync(Tools));
        Assert.Equal("bad key", e.Message);
        Assert.Single(source.Plans);
    }

    [Fact]
    public async Task Cancellation_propagates()
    {
        using var cts = new CancellationTokenSource();
        var source = new ScriptedSource(p => { cts.Cancel(); cts.Token.ThrowIfCancellationRequested(); return []; });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DataGenerator(source).GenerateAsync(Tools, cancellationToken: cts.Token));
    }

    [Fact]
    public void Planning_is_deterministic_and_follows_the_upstream_mix()
    {
        var a = new BatchPlanner(Tools, 25, 42);
        var b = new BatchPlanner(Tools, 25, 42);
        var plansA = Enumerable.Range(0, 2100).Select(a.Next).ToList();
        var plansB = Enumerable.Range(0, 2100).Select(b.Next).ToList();
        Assert.Equal(plansA.Select(p => (p.CallType, p.Seed, p.Temperature)), plansB.Select(p => (p.CallType, p.Seed, p.Temperature)));
        var negatives = plansA.Count(p => p.CallType.IsNegative()) / 2100.0;
        Assert.InRange(negatives, 0.11, 0.18); // 3/21 ≈ 0.143
        Assert.All(plansA.Where(p => p.CallType == CallType.NoTools), p => Assert.Empty(p.Tools));
        var rephrased = plansA.Count(p => p.Tools.Count > 0 && !ReferenceEquals(p.Tools, Tools)) / (double)plansA.Count(p => p.Tools.Count > 0);
        Assert.InRange(rephrased, 0.25, 0.35);
    }

    [Theory]
    [InlineData(3, "Turn on the lights", "Turn on the lights.")]
    [InlineData(5, "Set a timer. Use minutes. Be nice.", "Set a timer, Use minutes. Be nice.")]
    [InlineData(6, "Set a timer. Use minutes.", "Set a timer.")]
    [InlineData(7, "Set the timer", "Set a timer")]
    [InlineData(8, "Enable or disable wifi", "Toggle wifi")]
    [InlineData(9, "Turn the fan on", "Switch the fan on")]
    [InlineData(0, "Set the timer", "Set the timer")]
    public void Description_variants_match_upstream(int variant, string input, string expected) =>
        Assert.Equal(expected, DescriptionRephraser.Apply(input, variant));
}
