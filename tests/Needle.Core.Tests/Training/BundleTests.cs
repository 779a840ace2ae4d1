using System.IO.Compression;
using System.Xml.Linq;
using Needle.Core.Data;
using Needle.Core.Json;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class BundleTests
{
    private static ToolCallExample Ex(string q, string a = "[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Paris\"}}]") =>
        new() { Query = q, Tools = "[{\"name\":\"get_weather\",\"parameters\":{\"location\":{}}}]", Answers = a };

    private static LossHistory History()
    {
        var h = new LossHistory();
        for (int s = 1; s <= 20; s++)
            h.Add(new StepCompleted(s, 20, s <= 10 ? 1 : 2, 2, 3.0 / s, 3e-5, 0.02, 0.5, 1000, TimeSpan.FromSeconds(s), null));
        h.Add(new EpochCompleted(1, 2, 10, 0.5, 1.8, 1.9, 0.5, null, true, "a.pkl"));
        h.Add(new EpochCompleted(2, 2, 20, 0.2, 1.4, null, 0.7, null, true, "b.pkl"));
        return h;
    }

    [Fact]
    public void Svg_is_well_formed_with_one_vertex_per_step_and_one_dot_per_validation()
    {
        var svg = XDocument.Parse(LossCurveSvg.Render(History(), "Loss <run>"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var line = svg.Descendants(ns + "polyline").Single();
        Assert.Equal(20, line.Attribute("points")!.Value.Split(' ').Length);
        Assert.Equal(2, svg.Descendants(ns + "circle").Count(c => (string?)c.Attribute("class") == "val"));
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "Loss <run>");
        var xTicks = svg.Descendants(ns + "g").Single(g => (string?)g.Attribute("class") == "x-ticks").Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Equal(["0", "5", "10", "15", "20"], xTicks);
        var empty = XDocument.Parse(LossCurveSvg.Render(new LossHistory()));
        Assert.Contains(empty.Descendants(ns + "text"), t => t.Value.Contains("No optimizer steps"));
    }

    [Theory]
    [InlineData(0, 3.2, new[] { 0.0, 1, 2, 3, 4 })]
    [InlineData(0, 20, new[] { 0.0, 5, 10, 15, 20 })]
    [InlineData(1.23, 1.31, new[] { 1.22, 1.24, 1.26, 1.28, 1.3, 1.32 })]
    public void Nice_ticks_use_1_2_5_steps(double lo, double hi, double[] expected)
    {
        var t = LossCurveSvg.NiceTicks(lo, hi, 5);
        Assert.Equal(expected.Length, t.Count);
        for (int i = 0; i < t.Count; i++) Assert.Equal(expected[i], t[i], 9);
    }

    [Fact]
    public void Loss_history_round_trips_and_writes_csv()
    {
        var h = History();
        var back = LossHistory.FromJson(h.ToJson());
        Assert.Equal(h.Train, back.Train);
        Assert.Equal(h.Val, back.Val);
        var csv = h.ToCsv().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 20 + 2, csv.Length);
        Assert.Equal("train,1,1,3,3E-05,0.02,,", csv[1]);
        Assert.Equal("val,20,2,,,,1.4,", csv[^1]);
    }

    [Fact]
    public void Events_serialize_with_a_type_discriminator_and_round_trip()
    {
        TrainingEvent[] events =
        [
            new PhaseChanged(TrainingPhase.EvaluatingBase, "Evaluating base model on 10 test examples..."),
            new StepCompleted(3, 20, 1, 2, 1.25, 3e-5, 0.02, 0.9, 1234.5, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(17)),
            new EpochCompleted(1, 2, 10, 0.5, 1.8, null, 0.5, null, true, "x.pkl"),
            new TrainingLog("hello"),
        ];
        foreach (var e in events)
        {
            string json = TrainingEventJson.Serialize(e);
            Assert.Equal(e, TrainingEventJson.Deserialize(json));
        }
        Assert.Contains("\"type\":\"phase\"", TrainingEventJson.Serialize(events[0]));
        var metrics = QuickToolEval.Score([Ex("q")], ["[]"])!;
        var evalJson = TrainingEventJson.Serialize(new EvalCompleted("base", metrics));
        var back = Assert.IsType<EvalCompleted>(TrainingEventJson.Deserialize(evalJson));
        Assert.Equal(metrics.CallF1, back.Metrics!.CallF1);
        Assert.Equal(new ToolScore(0, 1), back.Metrics.PerTool["get_weather"]);
        Assert.Equal(["missing_tools:get_weather", "false_negative"], back.Metrics.Failures.Single().Reasons);
        Assert.Contains("\"phase\":\"EvaluatingBase\"", TrainingEventJson.Serialize(events[0]));
    }

    [Fact]
    public void Eta_uses_the_average_step_time_after_the_first()
    {
        var eta = new EtaEstimator(10);
        Assert.Null(eta.Eta(0));
        eta.Record(TimeSpan.FromSeconds(10));   // compile-like first step
        eta.Record(TimeSpan.FromSeconds(1));
        eta.Record(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(14), eta.Eta(3));
    }

    [Fact]
    public void Bundle_holds_every_file_with_report_and_readme()
    {
        var dir = Directory.CreateTempSubdirectory("needle-bundle-");
        try
        {
            var ckpt = Path.Combine(dir.FullName, "ft.pkl");
            File.WriteAllBytes(ckpt, [1, 2, 3, 4]);
            var tok = Path.Combine(dir.FullName, "needle.model");
            File.WriteAllBytes(tok, [9, 9]);
            var samples = new[] { Ex("weather in Paris"), Ex("weather in Paris?") };
            var baseM = QuickToolEval.Score(samples, ["[]", "[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Paris\"}}]"])!;
            var ftM = QuickToolEval.Score(samples, Enumerable.Repeat(samples[0].Answers, 2).ToList())!;
            var input = new FinetuneBundleInput
            {
                CheckpointPath = ckpt, TokenizerModelPath = tok,
                ToolsJson = "[{\"name\": \"get_weather\", \"parameters\": {\"location\": {}}}]",
                Train = [Ex("a"), Ex("b"), Ex("c")], Val = [Ex("d")], Test = samples,
                Summary = new FinetuneRunSummary
                {
                    BaseModel = "needle.pkl", ToolCount = 1, Duplicates = 0, Base = baseM, Finetuned = ftM,
                    Plan = TrainingPlan.Create(17, new TrainingPlanOptions { BatchSize = 32 }),
                },
                History = History(),
            };
            var zipPath = Path.Combine(dir.FullName, FinetuneBundle.FileName(new DateTimeOffset(2026, 11, 22, 6, 5, 4, TimeSpan.Zero)));
            FinetuneBundle.Write(zipPath, input);
            Assert.EndsWith("needle_finetuned_20261122_060504.zip", zipPath);
            Assert.Equal(3, Directory.GetFiles(dir.FullName).Length);   // ckpt, tokenizer, zip: no temp file left

            using var zip = ZipFile.OpenRead(zipPath);
            Assert.Equal(
                ["checkpoint.pkl", "tokenizer.model", "tools.json", "train.jsonl", "val.jsonl", "test.jsonl", "eval_report.json",
                 "loss_history.json", "loss_history.csv", "loss_curve.svg", "README.md"],
                zip.Entries.Select(e => e.FullName));
            string Read(string name) { using var r = new StreamReader(zip.GetEntry(name)!.Open()); return r.ReadToEnd(); }
            using (var ms = new MemoryStream()) { zip.GetEntry("checkpoint.pkl")!.Open().CopyTo(ms); Assert.Equal([1, 2, 3, 4], ms.ToArray()); }
            Assert.Equal("[{\"name\":\"get_weather\",\"parameters\":{\"location\":{}}}]", Read("tools.json"));
            Assert.Equal(3, ExampleJsonlReader.ReadText(Read("train.jsonl")).Examples.Count);
            Assert.Equal(samples, ExampleJsonlReader.ReadText(Read("test.jsonl")).Examples);

            var report = Assert.IsType<PyJsonObject>(PyJson.Loads(Read("eval_report.json")));
            Assert.Equal(["model", "finetuned_checkpoint", "training", "validation", "test", "base", "finetuned", "per_tool", "settings"], report.Keys);
            static double Float(PyJsonValue? v) => Assert.IsType<PyJsonFloat>(v).Value;
            static PyJsonObject Dict(PyJsonValue? v) => Assert.IsType<PyJsonObject>(v);
            Assert.Equal(0.6667, Float(Dict(report["base"])["call_f1"]));   // 1 TP, 1 FN
            Assert.Equal(1.0, Float(Dict(report["finetuned"])["exact_match"]));
            var perTool = Dict(Dict(report["per_tool"])["get_weather"]);
            Assert.Equal(0.5, Float(perTool["base"]));
            Assert.Equal(1.0, Float(perTool["finetuned"]));
            Assert.Equal(5, Assert.IsType<PyJsonInt>(Dict(report["training"])["epochs"]).Value);
            Assert.StartsWith("{\n  \"model\": \"needle.pkl\",\n", Read("eval_report.json"));

            var readme = Read("README.md");
            Assert.Contains("| Call F1 | 66.7% | 100.0% |", readme);
            Assert.Contains("| `get_weather` | 1/2 | 2/2 |", readme);
            Assert.Contains("needle run --checkpoint checkpoint.pkl --tools @tools.json --query 'weather in Paris'", readme);
            Assert.Contains("Batch size lowered", readme);
            XDocument.Parse(Read("loss_curve.svg"));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Missing_checkpoint_is_a_clear_error()
    {
        var input = new FinetuneBundleInput
        {
            CheckpointPath = "/nonexistent/ckpt.pkl", ToolsJson = "[]", Train = [], Val = [], Test = [],
            Summary = new FinetuneRunSummary { BaseModel = "needle.pkl" },
        };
        var ex = Assert.Throws<FileNotFoundException>(() => FinetuneBundle.Write(Path.Combine(Path.GetTempPath(), "x.zip"), input));
        Assert.Contains("/nonexistent/ckpt.pkl", ex.Message);
    }
}
