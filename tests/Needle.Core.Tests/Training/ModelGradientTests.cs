using Needle.Core.Model;
using Needle.Core.Tests.Kernels;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

[Collection("Kernels")]
public class ModelGradientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Whole_model_gradients_match_finite_differences_for_every_leaf(bool dropout)
    {
        var c = TinyTraining.Config();
        var w = TinyTraining.Weights(c);
        var batch = TinyTraining.Batch(c.VocabSize);
        var trainer = new NeedleTrainer(w, new TrainerOptions { DropoutRate = dropout ? 0.2 : 0.0 });
        trainer.ComputeGradients(batch, dropout: true, step: 5);
        var grads = trainer.Parameters.ToDictionary(p => p.Path, p => (float[])p.Grad.Clone());
        double Loss() => trainer.Loss(batch, dropout: true, step: 5).Loss;
        var checkedLeaves = 0;
        foreach (var (path, t) in w.Params)
        {
            if (path.StartsWith("contrastive", StringComparison.Ordinal) || path == NeedleWeights.LogTemp)
            {
                Assert.All(grads[path], v => Assert.Equal(0f, v)); // no contrastive loss in the text step
                continue;
            }
            GradCheck.Check(Loss, t.Data, grads[path], path, samples: 4, eps: 1e-2f, tol: 3e-2, floor: 1e-3, seed: path.Length);
            checkedLeaves++;
        }
        Assert.Equal(27, checkedLeaves);
    }
}
