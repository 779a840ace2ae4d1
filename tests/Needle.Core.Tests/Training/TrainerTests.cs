using Needle.Core.Checkpoints;
using Needle.Core.Kernels;
using Needle.Core.Model;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

[Collection("Kernels")]
public class TrainerTests
{
    /// <summary>A toy tool-call mapping: the answer is the query reversed with every token shifted by 3 (mod the range).</summary>
    private static EncodedExample Toy(Random rng, int index, int vocab)
    {
        var n = rng.Next(2, 5);
        var query = Enumerable.Range(0, n).Select(_ => rng.Next(6, vocab)).ToArray();
        var answer = query.Reverse().Select(t => 6 + (t - 6 + 3) % (vocab - 6)).ToArray();
        var enc = query.Append(SpecialTokens.Tools).Append(vocab - 1).ToArray();
        var decIn = new[] { SpecialTokens.Eos, SpecialTokens.ToolCall }.Concat(answer).ToArray();
        var decTgt = new[] { SpecialTokens.ToolCall }.Concat(answer).Append(SpecialTokens.Eos).ToArray();
        var classes = decTgt.Select((_, i) => (sbyte)(i == 0 || i == decTgt.Length - 1 ? 0 : 2)).ToArray();
        return new EncodedExample(index, enc, decIn, decTgt, classes, 1, "", "", "");
    }

    private static PackedBins ToyBins(int seed, int count, int vocab) =>
        SequencePacker.Pack(Enumerable.Range(0, count).Select(i => Toy(new Random(seed * 1000 + i), i, vocab)).ToList(), encLen: 16, decLen: 14);

    [Fact]
    public void Loss_drops_substantially_on_a_toy_tool_call_mapping()
    {
        const int vocab = 24, steps = 100, batch = 8;
        var c = new NeedleConfig { VocabSize = vocab, DModel = 32, NumHeads = 4, NumKvHeads = 2, NumEncoderLayers = 2, NumDecoderLayers = 2, ContrastiveDim = 8 };
        var w = NeedleWeights.RandomInit(c, 1);
        var train = ToyBins(1, 400, vocab);
        var val = BinBatcher.Gather(ToyBins(2, 40, vocab), Enumerable.Range(0, 16).ToArray());
        var trainer = new NeedleTrainer(w, new TrainerOptions
        {
            TotalSteps = steps, DropoutRate = 0.0,
            Optimizer = new OptimizerSettings { AdamLearningRate = 3e-3, MuonLearningRate = 0.02 },
        });
        var before = trainer.EvalLoss(val);
        var batcher = new BinBatcher(train, batch, seed: 42);
        var done = 0;
        while (done < steps)
            foreach (var b in batcher.NextEpoch())
            {
                if (done++ == steps) break;
                var r = trainer.Step(b);
                Assert.False(r.NonFinite);
            }
        var after = trainer.EvalLoss(val);
        Console.WriteLine($"toy CE {before:F3} -> {after:F3}");
        Assert.True(after < 0.35 * before, $"validation CE {before:F3} → {after:F3} did not drop enough");
    }

    [Fact]
    public void Training_forward_matches_the_inference_model_on_unpacked_rows()
    {
        var c = TinyTraining.Config();
        var w = TinyTraining.Weights(c, seed: 11, kernelScale: 0.3f);
        // One example per row, right-padded: the training masks reduce to the inference masks on every real target.
        int[][] src = [[7, 9, 12, 30, 5, 8], [11, 13, 5, 20]];
        int[][] dec = [[1, 4, 33, 21], [1, 4, 17]];
        int[][] tgt = [[4, 33, 21, 1], [4, 17, 1]];
        int te = 6, td = 4;
        var batch = new TrainBatch(2, te, td, Pad(src, te), Pad(dec, td), Pad(tgt, td), new sbyte[2 * td],
            Pad(src.Select(s => s.Select(_ => 1).ToArray()).ToArray(), te), Pad(dec.Select(s => s.Select(_ => 1).ToArray()).ToArray(), td), [0, 1]);
        var trainer = new NeedleTrainer(w);
        var (sum, tokens) = trainer.EvalSums(batch);

        var model = new SimpleAttentionNetwork(w, WeightPrecision.Float32);
        var logits = model.Forward(src, dec);
        var (refSum, refTokens) = TextLoss.ValidationSums(logits.Data, batch.DecTgt, batch.DecSeg, c.VocabSize);
        Assert.Equal(refTokens, tokens);
        Assert.Equal(refSum, sum, 3);
    }

    private static int[] Pad(int[][] rows, int t)
    {
        var o = new int[rows.Length * t];
        for (var i = 0; i < rows.Length; i++) rows[i].CopyTo(o, i * t);
        return o;
    }

    [Fact]
    public void Steps_are_deterministic_for_a_seed_and_dropout_depends_on_it()
    {
        float[] Run(int seed)
        {
            var c = TinyTraining.Config();
            var w = TinyTraining.Weights(c, seed: 5, kernelScale: 0.3f);
            var t = new NeedleTrainer(w, new TrainerOptions { Seed = seed, TotalSteps = 4 });
            for (var i = 0; i < 3; i++) t.Step(TinyTraining.Batch(c.VocabSize, seed: i));
            return w.Params.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value.Data).ToArray();
        }
        var a = Run(1);
        Assert.Equal(a, Run(1));
        Assert.NotEqual(a, Run(2));
    }

    [Fact]
    public void A_non_finite_loss_skips_the_update_and_is_reported()
    {
        var c = TinyTraining.Config();
        var w = TinyTraining.Weights(c, seed: 5, kernelScale: 0.3f);
        var trainer = new NeedleTrainer(w, new TrainerOptions { TotalSteps = 10 });
        trainer.Step(TinyTraining.Batch(c.VocabSize)); // first step has lr 0 (warmup at t=0)
        var gate = w[NeedleWeights.DecoderBlock + "self_attn_gate"].Data;
        gate[0] = float.NaN;
        var snapshot = w.Params.ToDictionary(p => p.Key, p => (float[])p.Value.Data.Clone());
        var r = trainer.Step(TinyTraining.Batch(c.VocabSize));
        Assert.True(r.NonFinite);
        foreach (var (path, t) in w.Params) Assert.Equal(snapshot[path], t.Data);
        gate[0] = 0.1f;
        var ok = trainer.Step(TinyTraining.Batch(c.VocabSize));
        Assert.False(ok.NonFinite);
        Assert.True(ok.GradNorm > 0 && double.IsFinite(ok.Loss));
        Assert.NotEqual(snapshot[NeedleWeights.Embedding], w[NeedleWeights.Embedding].Data);
    }

    [Fact]
    public void Quant_aware_forward_uses_int4_kernels_with_a_straight_through_gradient()
    {
        var c = TinyTraining.Config();
        var w = TinyTraining.Weights(c, seed: 9, kernelScale: 0.3f);
        var batch = TinyTraining.Batch(c.VocabSize);
        var trainer = new NeedleTrainer(w, new TrainerOptions { DropoutRate = 0 });
        var lossQ = trainer.ComputeGradients(batch, dropout: false, quantAware: true);
        var gradsQ = trainer.Parameters.ToDictionary(p => p.Path, p => (float[])p.Grad.Clone());

        // The same network with the kernels replaced by their fake-quantized values, trained without QAT.
        var quantized = w.ToDictionary().ToDictionary(kv => kv.Key,
            kv => TrainableParam.GroupOf(kv.Key, kv.Value.Shape) == ParamGroup.Muon && !kv.Key.StartsWith("contrastive", StringComparison.Ordinal)
                ? new NdArray(kv.Value.Shape, FakeQuant.Apply(kv.Value.Data, kv.Value.Shape)) : new NdArray(kv.Value.Shape, (float[])kv.Value.Data.Clone()));
        var wq = NeedleWeights.FromDictionary(quantized, c);
        var reference = new NeedleTrainer(wq, new TrainerOptions { DropoutRate = 0 });
        var lossRef = reference.ComputeGradients(batch, dropout: false);
        Assert.Equal(lossRef.Loss, lossQ.Loss, 6);
        foreach (var p in reference.Parameters) Assert.Equal(p.Grad, gradsQ[p.Path]);
        Assert.NotEqual(trainer.Loss(batch).Loss, lossQ.Loss); // and QAT really changed the forward
    }

    [Fact]
    public void Micro_batches_give_the_same_loss_and_gradients_as_one_pass()
    {
        var c = TinyTraining.Config();
        var batch = TinyTraining.Batch(c.VocabSize);
        (ForwardLoss Loss, Dictionary<string, float[]> Grads) Run(int maxTokens)
        {
            var w = TinyTraining.Weights(c, seed: 21, kernelScale: 0.3f);
            var t = new NeedleTrainer(w, new TrainerOptions { DropoutRate = 0.2, MaxEncoderTokensPerPass = maxTokens });
            var loss = t.ComputeGradients(batch, dropout: true, step: 3);
            return (loss, t.Parameters.ToDictionary(p => p.Path, p => (float[])p.Grad.Clone()));
        }
        var whole = Run(4096);
        var split = Run(batch.EncLen); // one row per pass
        Assert.Equal(whole.Loss.Loss, split.Loss.Loss, 5);
        Assert.Equal(whole.Loss.ZLoss, split.Loss.ZLoss, 7);
        Assert.Equal(whole.Loss.Tokens, split.Loss.Tokens);
        foreach (var (path, g) in whole.Grads)
            Needle.Core.Tests.Kernels.KernelTestUtil.AssertClose(g, split.Grads[path], 1e-5f, path);
    }
}
