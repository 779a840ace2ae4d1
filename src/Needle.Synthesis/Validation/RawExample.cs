using System.Text.Json.Nodes;

namespace Needle.Synthesis.Validation;

/// <summary>One example as a provider returned it, before validation: a query and whatever came as "answers".</summary>
public sealed record RawExample(string? Query, JsonNode? Answers);
