namespace Needle.Playground.Services;

/// <summary>Job kinds the pages start by name.</summary>
public static class JobKinds
{
    /// <summary>The model-free self-test: a synthetic loss curve through the whole job pipeline.</summary>
    public const string SelfTest = "selftest";
}
