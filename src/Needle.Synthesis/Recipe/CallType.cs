namespace Needle.Synthesis.Recipe;

/// <summary>
/// The batch kinds of upstream's recipe (playground-reference A5), with their weights out of 21.
/// Negatives (None, NearMiss, NoTools) are 3/21 ≈ 14% of batches.
/// </summary>
public enum CallType
{
    Single,
    Multi,
    MultiFewTools,
    MultiLongValues,
    None,
    NearMiss,
    Indirect,
    Disfluent,
    Garbled,
    NoTools,
}

public static class CallTypes
{
    /// <summary>Upstream's 21-entry list: duplicates act as weights.</summary>
    public static readonly IReadOnlyList<CallType> Weighted =
    [
        CallType.Single, CallType.Single, CallType.Single,
        CallType.Multi, CallType.Multi, CallType.Multi,
        CallType.MultiFewTools, CallType.MultiFewTools, CallType.MultiFewTools, CallType.MultiFewTools,
        CallType.MultiLongValues, CallType.MultiLongValues,
        CallType.None,
        CallType.NearMiss,
        CallType.Indirect, CallType.Indirect,
        CallType.Disfluent, CallType.Disfluent,
        CallType.Garbled, CallType.Garbled,
        CallType.NoTools,
    ];

    /// <summary>The snake_case label written into records' call_type (upstream's names).</summary>
    public static string Label(this CallType t) => t switch
    {
        CallType.Single => "single",
        CallType.Multi => "multi",
        CallType.MultiFewTools => "multi_few_tools",
        CallType.MultiLongValues => "multi_long_values",
        CallType.None => "none",
        CallType.NearMiss => "near_miss",
        CallType.Indirect => "indirect",
        CallType.Disfluent => "disfluent",
        CallType.Garbled => "garbled",
        _ => "no_tools",
    };

    /// <summary>True for kinds whose examples must have no calls.</summary>
    public static bool IsNegative(this CallType t) => t is CallType.None or CallType.NearMiss or CallType.NoTools;

    /// <summary>What a batch of this kind asks the generator for (used in prompts).</summary>
    public static string Instruction(this CallType t) => t switch
    {
        CallType.Single => "every example makes exactly one call.",
        CallType.Multi => "every example makes 2-3 calls: the user wants several things at once.",
        CallType.MultiFewTools => "every example makes 2-4 calls using only 1-3 distinct tools, with clearly different, realistic argument values per call (for example messages to three different people).",
        CallType.MultiLongValues => "every example makes 2-3 calls whose string values are long (at least 5-10 words: full message bodies, addresses, notes), all taken from the user's words.",
        CallType.None => "no example makes any call: each query is a specific, detailed, unique request that none of the tools can do. answers is [].",
        CallType.NearMiss => "no example makes any call: each query is in the same domain as the tools but asks for something they cannot do (history when only 'set' exists, edit when only create/delete exist, an unsupported option, a status query when only actions exist). It must sound plausible. answers is [].",
        CallType.Indirect => "every example makes 1-2 calls inferred from an implicit statement, feeling or complaint (a cold room means the thermostat). The query must not contain the tool name or its action verb. Mix statements, questions and complaints.",
        CallType.Disfluent => "every example makes 1-2 calls; the query carries speech disfluencies (fillers, false starts, self-corrections, hedges, trailing off, repeats, casual padding) but the intent stays clear. Mix short and rambling queries.",
        CallType.Garbled => "every example makes 1-2 calls; the query has 1-3 realistic typos or speech-recognition errors (swapped letters, autocorrect, missing spaces, homophones, dropped words). The answers must still be correct.",
        _ => "no tools are available: every answer is [], and the queries should read as if the user expects tools to exist.",
    };
}
