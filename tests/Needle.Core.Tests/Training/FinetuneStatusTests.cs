using Needle.Core.Data;
using Needle.Core.Training;

namespace Needle.Core.Tests.Training;

public sealed class FinetuneStatusTests
{
    [Fact]
    public void Events_drive_the_status_and_the_log_keeps_the_last_2000_lines()
    {
        var s = new FinetuneStatus();
        s.Start();
        Assert.True(s.Running);
        for (int i = 0; i < 2100; i++) s.Apply(new TrainingLog($"line {i}"));
        Assert.Equal(2000, s.Log.Count);
        Assert.Equal("line 100", s.Log[0]);

        s.Apply(new PhaseChanged(TrainingPhase.Training, "Training 1 epochs"));
        s.Apply(new StepCompleted(1, 2, 1, 1, 2.5, 0, 0, 1, 10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        var sample = new ToolCallExample { Query = "q", Tools = "[]", Answers = "[{\"name\":\"a\",\"arguments\":{}}]" };
        s.Apply(new EvalCompleted("base", QuickToolEval.Score([sample], ["[]"])));
        s.Apply(new EvalCompleted("finetuned", QuickToolEval.Score([sample], [sample.Answers])));
        var snap = s.Snapshot();
        Assert.Equal(TrainingPhase.Training, snap.Phase);
        Assert.Equal(0.0, snap.BaseEval!.CallF1);
        Assert.Equal(1.0, snap.EvalResults!.CallF1);
        Assert.Equal(1, snap.Progress!.Step);
        Assert.Single(s.History.Train);
        Assert.Equal("Training 1 epochs", snap.Log[^1]);

        s.Complete("needle_finetuned_x.zip");
        Assert.False(s.Running);
        Assert.Equal("needle_finetuned_x.zip", s.Snapshot().Checkpoint);

        s.Start();
        s.Apply(new PhaseChanged(TrainingPhase.Failed, "Training failed (see log above)."));
        Assert.False(s.Running);
        Assert.Equal("Training failed (see log above).", s.Snapshot().Error);
        Assert.Null(s.Snapshot().BaseEval);
    }
}
