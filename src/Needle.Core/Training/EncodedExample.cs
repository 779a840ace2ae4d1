namespace Needle.Core.Training;

/// <summary>
/// One training pair (needle-model.md §3.3): encoder ids <c>query + [&lt;tools&gt;] + tools</c>, decoder input
/// <c>[EOS, &lt;tool_call&gt;] + answer</c>, target <c>[&lt;tool_call&gt;] + answer + [EOS]</c>, a loss class per target.
/// </summary>
public sealed record EncodedExample(
    int SourceIndex,       // index into the split list this came from (upstream's kept index)
    int[] Enc,             // (Te,) Te ≤ max_enc
    int[] DecIn,           // (Td,) Td = len(answer) + 2 ≤ max_dec
    int[] DecTgt,          // (Td,)
    sbyte[] LossClasses,   // (Td,) TokenClass per target; first (<tool_call>) and last (EOS) are Base
    int ToolCallCount,     // calls in the answer (0 when not a list)
    string Query,
    string ToolsText,      // the compact (and, when enabled, shuffled) tools JSON fed to the encoder
    string AnswerText);    // the compact answers JSON the decoder learns

/// <summary>Result of <see cref="ExampleEncoder.Prepare"/>: kept pairs and how many were dropped for length.</summary>
public sealed record PreparedExamples(IReadOnlyList<EncodedExample> Examples, int Skipped)
{
    public IReadOnlyList<int> KeptIndices => Examples.Select(e => e.SourceIndex).ToList();
}

/// <summary>Options of <see cref="ExampleEncoder"/>; the defaults are upstream's.</summary>
public sealed record ExampleEncoderOptions
{
    public int MaxEncLen { get; init; } = SpecialTokens.MaxEncLen;
    public int MaxDecLen { get; init; } = SpecialTokens.MaxDecLen;
    public bool ShuffleTools { get; init; } = true;
}
