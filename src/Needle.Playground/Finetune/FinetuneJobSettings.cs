namespace Needle.Playground.Finetune;

/// <summary>What the Finetune page sends (stored with the job; never a key: keys travel in JobContext.Secrets).</summary>
public sealed class FinetuneJobSettings
{
    /// <summary>The tool schemas in any dialect the parser reads.</summary>
    public string Tools { get; set; } = "";

    /// <summary>offline (default, no key), gemini, vertex or openai (any OpenAI-compatible base URL).</summary>
    public string Provider { get; set; } = "offline";
    public string? Model { get; set; }
    public string? BaseUrl { get; set; }
    public string? Project { get; set; }
    public string? Location { get; set; }

    public int ExamplesPerTool { get; set; } = 120;
    public int Epochs { get; set; } = 1;
    public int BatchSize { get; set; } = 32;
    public double LearningRate { get; set; } = 3e-5;

    /// <summary>Caps the optimizer steps (quick demos and tests); null trains the planned count.</summary>
    public int? MaxSteps { get; set; }

    /// <summary>Throws ArgumentException with a message for the page.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Tools)) throw new ArgumentException("Paste the tools to finetune on (the Playground's tools editor carries them over).");
        if (ExamplesPerTool is < 3 or > 2000) throw new ArgumentException($"Examples per tool must be between 3 and 2000 (got {ExamplesPerTool}).");
        if (Epochs is < 1 or > 20) throw new ArgumentException($"Epochs must be between 1 and 20 (got {Epochs}).");
        if (BatchSize is < 1 or > 256) throw new ArgumentException($"Batch size must be between 1 and 256 (got {BatchSize}).");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentException($"Learning rate must be between 0 and 1 (got {LearningRate}).");
        if (MaxSteps is < 1) throw new ArgumentException($"Max steps must be positive (got {MaxSteps}).");
    }
}
