using System.Text.Json;
using Needle.Core.Data;
using Needle.Core.Json;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class MetricsTests
{
    private static readonly Lazy<JsonElement> Ref = new(() => TrainingFixtures.Load("metrics_reference.json"));

    private static List<ToolCallExample> Examples(JsonElement arr) => arr.EnumerateArray().Select(e => new ToolCallExample
    {
        Query = e.GetProperty("query").GetString()!, Tools = e.GetProperty("tools").GetString()!, Answers = e.GetProperty("answers").GetString()!,
    }).ToList();

    private static List<string> Preds => Ref.Value.GetProperty("predictions").EnumerateArray().Select(p => p.GetString()!).ToList();

    private static void SameFailures(JsonElement expected, IReadOnlyList<EvalFailure> actual)
    {
        var exp = expected.EnumerateArray().ToList();
        Assert.Equal(exp.Count, actual.Count);
        for (int i = 0; i < exp.Count; i++)
        {
            Assert.Equal(exp[i].GetProperty("query").GetString(), actual[i].Query);
            Assert.Equal(exp[i].GetProperty("ref").GetString(), actual[i].Expected);
            Assert.Equal(exp[i].GetProperty("pred").GetString(), actual[i].Got);
            Assert.Equal(exp[i].GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!), actual[i].Reasons);
        }
    }

    [Fact]
    public void Quick_tool_eval_matches_the_reference_json_line()
    {
        var examples = Examples(Ref.Value.GetProperty("examples"));
        var preds = Preds;
        var samples = QuickToolEval.SelectSamples(examples);
        var samplePreds = examples.Select((e, i) => (e, i)).Where(x => samples.Contains(x.e)).Select(x => preds[x.i]).ToList();
        var m = QuickToolEval.Score(samples, samplePreds)!;
        var expected = Ref.Value.GetProperty("quick");
        // Python's json.dumps of the reference dict, re-made here from its parsed form, must equal our line byte for byte.
        var refDict = PyJson.Loads(expected.GetRawText());
        Assert.Equal(PyJson.DumpsSpaced(refDict), m.ToUpstreamJson());
        Assert.StartsWith("BASE_EVAL:{\"call_f1\": ", m.ToEmitLine("BASE_EVAL"));
        Assert.Equal(m.N - (int)Math.Round(m.ExactMatch * m.N), m.Failures.Count);
        Assert.Null(QuickToolEval.Score([], []));
    }

    [Fact]
    public void Eval_pool_matches_the_reference_including_failures_and_per_count()
    {
        var m = EvalPool.Score(Examples(Ref.Value.GetProperty("examples")), Preds)!;
        var e = Ref.Value.GetProperty("pool");
        Assert.Equal(e.GetProperty("n").GetInt32(), m.N);
        Assert.Equal(e.GetProperty("parse_rate").GetDouble(), m.ParseRate, 12);
        Assert.Equal(e.GetProperty("exact_match").GetDouble(), m.ExactMatch, 12);
        Assert.Equal(e.GetProperty("name_f1").GetDouble(), m.NameF1, 12);
        Assert.Equal(e.GetProperty("call_f1").GetDouble(), m.CallF1, 12);
        Assert.Equal(e.GetProperty("args_acc").GetDouble(), m.ArgsAcc, 12);
        Assert.Equal(e.GetProperty("param_haluc").GetDouble(), m.ParamHaluc, 12);
        Assert.Equal(e.GetProperty("param_miss").GetDouble(), m.ParamMiss, 12);
        Assert.Equal(e.GetProperty("value_acc").GetDouble(), m.ValueAcc, 12);
        SameFailures(e.GetProperty("failures"), m.Failures);
        var per = e.GetProperty("per_count").EnumerateArray().Select(r => r.Ints()).ToList();
        for (int t = 0; t < 11; t++)
        {
            var s = m.PerToolCount[t];
            Assert.Equal(per[t], new[] { s.N, s.Exact, s.NameTp, s.NameFp, s.NameFn, s.CallTp, s.CallFp, s.CallFn, s.ParseErrors });
        }
    }

    [Fact]
    public void Benchmark_matches_the_reference()
    {
        var m = ToolCallBenchmark.Score(Examples(Ref.Value.GetProperty("examples")), Preds);
        var e = Ref.Value.GetProperty("bench");
        Assert.Equal(e.GetProperty("n").GetInt32(), m.NumSamples);
        (string, double)[] fields =
        [
            ("parse_rate", m.JsonParseRate), ("exact_match", m.ExactMatch), ("args_acc", m.ArgsAcc), ("param_haluc", m.ParamHaluc),
            ("param_miss", m.ParamMiss), ("value_acc", m.ValueAcc), ("name_precision", m.NamePrecision), ("name_recall", m.NameRecall),
            ("name_f1", m.NameF1), ("call_precision", m.CallPrecision), ("call_recall", m.CallRecall), ("call_f1", m.CallF1),
            ("empty_ref_pct", m.EmptyRefPct), ("empty_pred_pct", m.EmptyPredPct),
        ];
        foreach (var (name, value) in fields) Assert.True(Math.Abs(e.GetProperty(name).GetDouble() - value) < 1e-12, $"{name}: {e.GetProperty(name).GetDouble()} vs {value}");
        SameFailures(e.GetProperty("failures"), m.Failures);
        Assert.Equal(10, m.Samples.Count);
    }

    [Fact]
    public void Python_round_and_snake_case_match()
    {
        foreach (var r in Ref.Value.GetProperty("round").EnumerateArray())
            Assert.Equal(r.GetProperty("r").GetDouble(), PyCompat.Round(r.GetProperty("x").GetDouble(), 4));
        foreach (var s in Ref.Value.GetProperty("snake").EnumerateArray())
            Assert.Equal(s.GetProperty("out").GetString(), PyCompat.ToSnakeCase(s.GetProperty("in").GetString()!));
    }

    [Fact]
    public void Pools_and_display_samples_match_numpy_sampling()
    {
        var pe = Examples(Ref.Value.GetProperty("pool_examples"));
        foreach (var p in Ref.Value.GetProperty("pools").EnumerateArray())
        {
            var (single, multi) = EvalPool.BuildPools(pe, p.GetProperty("epoch").GetInt32(), p.GetProperty("per_bucket").GetInt32());
            Assert.Equal(p.GetProperty("single").Ints(), single.Select(x => pe.IndexOf(x)).ToArray());
            Assert.Equal(p.GetProperty("multi").Ints(), multi.Select(x => pe.IndexOf(x)).ToArray());
        }
        foreach (var d in Ref.Value.GetProperty("display").EnumerateArray())
            Assert.Equal(d.GetProperty("indices").Ints(), EvalPool.DisplaySamples(pe, d.GetProperty("epoch").GetInt32()).Select(x => pe.IndexOf(x)).ToArray());
        var bp = Ref.Value.GetProperty("bench_pools");
        var (bs, bm) = ToolCallBenchmark.StratifiedPools(pe, 30);
        Assert.Equal(bp.GetProperty("single").Ints(), bs.Select(x => pe.IndexOf(x)).ToArray());
        Assert.Equal(bp.GetProperty("multi").Ints(), bm.Select(x => pe.IndexOf(x)).ToArray());
    }

    [Fact]
    public void Best_checkpoint_needs_a_strictly_greater_single_call_f1()
    {
        PoolMetrics P(double f1) => new(1, 1, 1, 1, f1, 1, 0, 0, 1, [], []);
        var sel = new BestCheckpointSelector();
        Assert.False(sel.Offer(0, P(0)));
        Assert.False(sel.Offer(0, null));
        Assert.True(sel.Offer(1, P(0.5)));
        Assert.False(sel.Offer(2, P(0.5)));
        Assert.True(sel.Offer(3, P(0.6)));
        Assert.Equal(3, sel.BestEpoch);
    }
}
