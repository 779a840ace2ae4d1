namespace Needle.Core.Inference;

/// <summary>
/// A decoder state whose <see cref="INeedleModel.DecodeStep"/> may leave some logits as upper bounds (screened decode,
/// see <see cref="Kernels.ScreenedLogits"/>): the greedy choice over them is still exact when it lands on an exact id;
/// otherwise <see cref="Refine"/> and choose again. Only from <see cref="INeedleModel.StartGreedyDecoder"/>.
/// </summary>
public interface IScreenedLogits
{
    /// <summary>Whether logit <paramref name="id"/> of batch row <paramref name="row"/> holds its exact value this step.</summary>
    bool IsExact(int row, int id);

    /// <summary>
    /// Makes <paramref name="id"/> exact in <paramref name="logits"/> (that row's V values) and, with
    /// <paramref name="all"/>, every id that could outrank it, so that the next masked greedy choice is exact.
    /// </summary>
    void Refine(int row, int id, Span<float> logits, bool all);

    /// <summary>Screened steps so far, and the logit rows they computed exactly (refinements included).</summary>
    (long Steps, long ExactRows) ScreenStats { get; }
}
