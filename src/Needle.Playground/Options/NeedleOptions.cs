namespace Needle.Playground.Options;

/// <summary>The "Needle" configuration section. Relative paths are resolved against the content root at startup.</summary>
public sealed class NeedleOptions
{
    public const string Section = "Needle";

    /// <summary>Models (.pkl + tokenizer .model) and finetune bundles (.zip).</summary>
    public string CheckpointsDir { get; set; } = "checkpoints";

    /// <summary>The SQLite job database and generated datasets.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>
    /// Decode weights of the loaded model: auto (float16 for a Needle checkpoint, exact), fp16, fp32, or int8 (about
    /// twice as fast decoding, approximate: 47 of 50 golden answers identical). Env: Needle__DecodeWeights=int8.
    /// </summary>
    public string DecodeWeights { get; set; } = "auto";

    public SecurityOptions Security { get; set; } = new();
    public LimitOptions Limits { get; set; } = new();
    public JobOptions Jobs { get; set; } = new();
}

public sealed class SecurityOptions
{
    /// <summary>When false (the default), job, model-file and finetune endpoints answer 403 to non-loopback clients.</summary>
    public bool AllowRemoteClients { get; set; }

    /// <summary>Extra origins (scheme://host:port) allowed besides the app's own, e.g. behind a reverse proxy.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

public sealed class LimitOptions
{
    public const long MiB = 1024 * 1024;

    /// <summary>Largest JSON request body.</summary>
    public long JsonBytes { get; set; } = 1 * MiB;

    /// <summary>Largest uploaded checkpoint (.pkl) or tokenizer (.model).</summary>
    public long PklBytes { get; set; } = 512 * MiB;

    /// <summary>Largest uploaded dataset (.jsonl).</summary>
    public long JsonlBytes { get; set; } = 100 * MiB;
}

public sealed class JobOptions
{
    /// <summary>Jobs waiting to run beyond this many are refused (503) instead of piling up.</summary>
    public int QueueCapacity { get; set; } = 16;

    /// <summary>Jobs that run at the same time. Training wants the whole CPU, so one by default.</summary>
    public int MaxConcurrent { get; set; } = 1;
}
