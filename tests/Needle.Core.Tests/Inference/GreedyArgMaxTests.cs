using Needle.Core.Inference;

namespace Needle.Core.Tests.Inference;

public class GreedyArgMaxTests
{
    private static int Reference(float[] x)
    {
        var best = 0;
        for (var i = 0; i < x.Length; i++)
        {
            if (float.IsNaN(x[i])) return i;
            if (x[i] > x[best]) best = i;
        }
        return best;
    }

    [Fact]
    public void Vectorized_argmax_matches_numpy_semantics_on_long_rows()
    {
        var rng = new Random(5);
        foreach (var n in new[] { 64, 65, 100, 8192, 8191 })
        for (var trial = 0; trial < 20; trial++)
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
            switch (trial % 5)
            {
                case 1: x[rng.Next(n)] = x[rng.Next(n)] = 50f; break;                    // a tie: the first wins
                case 2: x[rng.Next(n)] = float.NaN; x[rng.Next(n)] = float.NaN; break;   // the first NaN wins
                case 3: Array.Fill(x, -1f); x[n - 1] = 0f; x[n / 2] = -0f; break;        // −0 == 0: the earlier one
                case 4: x[n - 1] = 99f; break;                                           // in the scalar tail
            }
            Assert.Equal(Reference(x), Greedy.ArgMax(x));
        }
        Assert.Equal(0, Greedy.ArgMax(Enumerable.Repeat(float.NegativeInfinity, 100).ToArray()));
    }
}
