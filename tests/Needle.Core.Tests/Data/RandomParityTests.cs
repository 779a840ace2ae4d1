using Needle.Core.Data;
using Needle.Core.Tests.Training;

namespace Needle.Core.Tests.Data;

public sealed class RandomParityTests
{
    [Fact]
    public void Python_random_shuffles_match_cpython()
    {
        foreach (var c in TrainingFixtures.Data.GetProperty("python_random").EnumerateArray())
        {
            var rng = new PythonRandom(c.GetProperty("seed").GetInt64());
            var sizes = c.GetProperty("sizes").Ints();
            var expected = c.GetProperty("shuffles").EnumerateArray().ToArray();
            for (int k = 0; k < sizes.Length; k++)
            {
                var x = Enumerable.Range(0, sizes[k]).ToList();
                rng.Shuffle(x);
                Assert.Equal(expected[k].Ints(), x);
            }
        }
    }

    [Fact]
    public void Numpy_legacy_random_state_matches_numpy()
    {
        foreach (var c in TrainingFixtures.Data.GetProperty("numpy_random").EnumerateArray())
        {
            uint seed = c.GetProperty("seed").GetUInt32();
            var rs = new NumpyRandomState(seed);
            var sizes = c.GetProperty("sizes").Ints();
            var expected = c.GetProperty("shuffles").EnumerateArray().ToArray();
            for (int k = 0; k < sizes.Length; k++)
            {
                var x = Enumerable.Range(0, sizes[k]).ToList();
                rs.Shuffle(x);
                Assert.Equal(expected[k].Ints(), x);
            }
            Assert.Equal(c.GetProperty("permutation50").Ints(), new NumpyRandomState(seed).Permutation(50));
            var rs2 = new NumpyRandomState(seed);
            var ints = c.GetProperty("randint_highs").Ints().Select(rs2.RandInt).ToArray();
            Assert.Equal(c.GetProperty("randints").Ints(), ints);
        }
    }

    [Fact]
    public void Rand_below_rejects_non_positive_bounds()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PythonRandom(1).RandBelow(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NumpyRandomState(1).RandInt(0));
    }
}
