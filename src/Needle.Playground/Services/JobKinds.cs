namespace Needle.Playground.Services;

/// <summary>Job kinds the pages start by name.</summary>
public static class JobKinds
{
    /// <summary>The model-free self-test: a synthetic loss curve through the whole job pipeline.</summary>
    public const string SelfTest = "selftest";

    /// <summary>Generate data, train and evaluate on the user's tools (Finetune page).</summary>
    public const string Finetune = "finetune";

    /// <summary>Fetch the published Needle weights from Hugging Face.</summary>
    public const string Download = "download";
}
