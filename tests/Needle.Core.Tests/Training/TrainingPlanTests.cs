using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class TrainingPlanTests
{
    [Fact]
    public void Upstream_arithmetic_can_give_zero_steps()
    {
        var p = TrainingPlan.Create(17, TrainingPlanOptions.Upstream(epochs: 1, batchSize: 32));
        Assert.Equal(0, p.TotalSteps);
        Assert.Empty(p.Adjustments);
        var big = TrainingPlan.Create(200, TrainingPlanOptions.Upstream(2, 64));
        Assert.Equal((3, 6), (big.StepsPerEpoch, big.TotalSteps));
    }

    [Fact]
    public void Small_data_gets_a_smaller_batch_and_more_epochs_to_reach_the_floor()
    {
        var p = TrainingPlan.Create(17, new TrainingPlanOptions { Epochs = 1, BatchSize = 32 });
        Assert.Equal(4, p.BatchSize);           // 17 / 4 steps per epoch
        Assert.Equal(4, p.StepsPerEpoch);
        Assert.Equal(5, p.Epochs);              // ceil(20 / 4)
        Assert.Equal(20, p.TotalSteps);
        Assert.Equal(2, p.Adjustments.Count);
        Assert.Equal((1, 18, 1), (p.WarmupSteps, p.StableSteps, p.DecaySteps));
    }

    [Fact]
    public void Epochs_are_capped_and_tiny_data_still_trains()
    {
        var p = TrainingPlan.Create(1, new TrainingPlanOptions { BatchSize = 64 });
        Assert.Equal(1, p.BatchSize);
        Assert.Equal(10, p.Epochs);
        Assert.Equal(10, p.TotalSteps);
        Assert.Equal(0, TrainingPlan.Create(0).TotalSteps);
    }

    [Fact]
    public void Large_data_is_left_alone()
    {
        var p = TrainingPlan.Create(2000, new TrainingPlanOptions { BatchSize = 64 });
        Assert.Equal((64, 31, 1, 31), (p.BatchSize, p.StepsPerEpoch, p.Epochs, p.TotalSteps));
        Assert.Empty(p.Adjustments);
    }
}
