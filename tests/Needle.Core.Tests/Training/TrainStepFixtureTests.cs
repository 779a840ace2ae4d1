using System.Text.Json;
using Needle.Core.Data;
using Needle.Core.Tokenization;
using Needle.Core.Training;
using Needle.Tests;

namespace Needle.Core.Tests.Training;

/// <summary>
/// Against the independent PyTorch reference's one-training-step fixture (tools/reference/make_model_fixtures.py,
/// Fixtures/Model/train_step.json): example encoding, loss classes, packing, Newton–Schulz and the WSD schedule.
/// The updated parameters need the engine's backward pass and are tested there.
/// </summary>
public sealed class TrainStepFixtureTests
{
    private static string ModelFixture(string name) => RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Model", name);

    private static readonly Lazy<JsonElement> Step = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ModelFixture("train_step.json")));
        return doc.RootElement.Clone();
    });

    [Fact]
    public void Encoded_examples_packing_and_loss_classes_match_the_reference()
    {
        var s = Step.Value;
        var tok = SentencePieceTokenizer.Load(ModelFixture("tokenizer.model"));
        var rows = ExampleJsonlReader.ReadFile(ModelFixture(s.GetProperty("rows").GetString()!));
        Assert.Empty(rows.Report.InvalidLines);
        var opts = new ExampleEncoderOptions { MaxEncLen = s.GetProperty("max_enc_len").GetInt32(), MaxDecLen = s.GetProperty("max_dec_len").GetInt32() };
        var prepared = ExampleEncoder.Prepare(rows.Examples, tok, opts);
        var expected = s.GetProperty("examples").EnumerateArray().ToList();
        Assert.Equal(expected.Count, prepared.Examples.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i]; var a = prepared.Examples[i];
            Assert.Equal(e.GetProperty("tools_text").GetString(), a.ToolsText);
            Assert.Equal(e.GetProperty("answer_text").GetString(), a.AnswerText);
            Assert.Equal(e.GetProperty("enc").Ints(), a.Enc);
            Assert.Equal(e.GetProperty("dec_in").Ints(), a.DecIn);
            Assert.Equal(e.GetProperty("dec_tgt").Ints(), a.DecTgt);
            Assert.Equal(e.GetProperty("loss_class").Ints(), a.LossClasses.Select(c => (int)c).ToArray());
        }
        Assert.Equal(s.GetProperty("class_weights").Floats(), LossWeights.Finetune.Apply([0, 1, 2, 3]));

        var bins = SequencePacker.Pack(prepared.Examples, opts.MaxEncLen, opts.MaxDecLen);
        Assert.Equal(s.GetProperty("bins").EnumerateArray().Select(b => b.Ints()).ToList(), bins.Contents.Select(c => c.ToArray()).ToList());
        var p = s.GetProperty("packed");
        int[] Flat(string name) => p.GetProperty(name).EnumerateArray().SelectMany(r => r.Ints()).ToArray();
        Assert.Equal(Flat("enc"), bins.Enc);
        Assert.Equal(Flat("enc_seg"), bins.EncSeg);
        Assert.Equal(Flat("dec_in"), bins.DecIn);
        Assert.Equal(Flat("dec_tgt"), bins.DecTgt);
        Assert.Equal(Flat("dec_seg"), bins.DecSeg);
        Assert.Equal(Flat("loss_class"), bins.Loss.Select(c => (int)c).ToArray());

        foreach (var c in s.GetProperty("loss_class_cases").EnumerateArray())
        {
            string answer = c.GetProperty("answer").GetString()!;
            var chars = LossClasses.CharClasses(answer);
            Assert.Equal(c.GetProperty("char_classes").Ints(), chars.Select(x => (int)x).ToArray());
            var pieces = c.GetProperty("pieces").EnumerateArray().Select(x => x.GetString()!).ToList();
            Assert.Equal(c.GetProperty("token_classes").Ints(), LossClasses.AlignToPieces(answer, chars, pieces, pieces.Count).Select(x => (int)x).ToArray());
        }
    }

    [Fact]
    public void Newton_schulz_and_schedule_match_the_reference()
    {
        foreach (var c in Step.Value.GetProperty("newton_schulz5").EnumerateArray())
        {
            var rows = c.GetProperty("input").EnumerateArray().Select(r => r.Floats()).ToList();
            int m = rows.Count, n = rows[0].Length;
            var o = NewtonSchulz.Orthogonalize(rows.SelectMany(r => r).ToArray(), m, n);
            var expected = c.GetProperty("output").EnumerateArray().SelectMany(r => r.Floats()).ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - o[i]) < 1e-5, $"NS ({m}, {n})[{i}]: {expected[i]} vs {o[i]}");
        }
        foreach (var kv in Step.Value.GetProperty("wsd_peak1").EnumerateObject())
        {
            var sched = new WsdSchedule(1.0, int.Parse(kv.Name, System.Globalization.CultureInfo.InvariantCulture));
            var lrs = kv.Value.Doubles();
            for (int t = 0; t < lrs.Length; t++) Assert.Equal(lrs[t], sched.At(t), 6);
        }
        var o2 = Step.Value.GetProperty("optimizer");
        var plan = new NeedleOptimizer(o2.GetProperty("total_steps").GetInt32(), new OptimizerSettings { AdamLearningRate = o2.GetProperty("adam_lr").GetDouble() });
        foreach (var st in Step.Value.GetProperty("steps").EnumerateArray())
        {
            int t = st.GetProperty("step").GetInt32();
            Assert.Equal(st.GetProperty("lr_adam").GetDouble(), plan.AdamSchedule.At(t), 9);
            Assert.Equal(st.GetProperty("lr_muon").GetDouble(), plan.MuonSchedule.At(t), 9);
        }
    }
}
