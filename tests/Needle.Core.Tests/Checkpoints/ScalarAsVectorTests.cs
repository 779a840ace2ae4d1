using Needle.Core.Checkpoints;
using Needle.Tests;

namespace Needle.Core.Tests.Checkpoints;

/// <summary>Upstream saves log_temp as shape (1,); the layout says scalar (). Both hold one value and must validate.</summary>
public sealed class ScalarAsVectorTests
{
    [Fact]
    public void The_reference_trained_checkpoint_with_a_1_element_log_temp_validates()
    {
        var path = RepoPaths.Combine("tests", "Needle.Core.Tests", "Fixtures", "Model", "trained.pkl");
        var (data, _) = CheckpointFile.LoadValidated(path);
        Assert.Equal([1], data.Params["log_temp"].Shape);
    }
}
