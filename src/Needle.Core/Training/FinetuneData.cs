using Needle.Core.Data;
using Needle.Core.Tokenization;

namespace Needle.Core.Training;

/// <summary>Options of <see cref="FinetuneData.Prepare(IReadOnlyList{ToolCallExample}, ITokenizer, FinetuneDataOptions?, Action{string}?)"/>.</summary>
public sealed record FinetuneDataOptions
{
    public ExampleEncoderOptions Encoder { get; init; } = new();
    public TrainingPlanOptions Plan { get; init; } = new();
    public DataValidationOptions Validation { get; init; } = new();
    public int ValPerTool { get; init; } = 10;
    public int TestPerTool { get; init; } = 10;
    public long SplitSeed { get; init; } = 42;
    /// <summary>Build the contrastive arrays too (upstream does; they only matter every 1000th step).</summary>
    public bool BuildContrastive { get; init; }
}

/// <summary>
/// Everything the finetune loop needs before its first step (upstream finetune.py §5.2 steps 2–5): the validation
/// report, the per-tool split, encoded and packed train/val data, the step plan, and the held-out test examples.
/// </summary>
public sealed class FinetuneData
{
    public required DataValidationReport Report { get; init; }
    public required SplitIndices Split { get; init; }
    public required IReadOnlyList<ToolCallExample> Train { get; init; }
    public required IReadOnlyList<ToolCallExample> Val { get; init; }
    public required IReadOnlyList<ToolCallExample> Test { get; init; }
    public required PreparedExamples TrainEncoded { get; init; }
    public required PreparedExamples ValEncoded { get; init; }
    public required PackedBins TrainBins { get; init; }
    public required PackedBins ValBins { get; init; }
    public required TrainingPlan Plan { get; init; }
    public ContrastiveData? Contrastive { get; init; }

    /// <summary>The kept val examples in kept order (what the epoch-end pools sample from).</summary>
    public IReadOnlyList<ToolCallExample> KeptVal => ValEncoded.Examples.Select(e => Val[e.SourceIndex]).ToList();

    /// <summary>Reads, validates and prepares a JSONL file; InvalidDataException (naming the file) when it cannot train.</summary>
    public static FinetuneData Prepare(string jsonlPath, ITokenizer tokenizer, FinetuneDataOptions? options = null, Action<string>? log = null)
    {
        options ??= new FinetuneDataOptions();
        var read = ExampleJsonlReader.ReadFile(jsonlPath, options.Validation);
        try
        {
            return Prepare(read.Examples, tokenizer, options, log, read.Report);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{jsonlPath}: {e.Message}", e);
        }
    }

    public static FinetuneData Prepare(IReadOnlyList<ToolCallExample> examples, ITokenizer tokenizer, FinetuneDataOptions? options = null,
        Action<string>? log = null) => Prepare(examples, tokenizer, options ?? new FinetuneDataOptions(), log, null);

    private static FinetuneData Prepare(IReadOnlyList<ToolCallExample> examples, ITokenizer tokenizer, FinetuneDataOptions options,
        Action<string>? log, DataValidationReport? report)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(tokenizer);
        log ??= _ => { };
        report ??= DataValidator.Validate(examples, options.Validation);
        log("Validating training data...");
        log(report.Summary);
        foreach (var w in report.Warnings.Take(5)) log("  WARNING: " + w);
        if (!report.CanTrain) throw new InvalidDataException(string.Join(" ", report.Errors));

        var split = PerToolSplit.Split(examples, options.ValPerTool, options.TestPerTool, options.SplitSeed);
        var train = split.Select(examples, split.Train);
        var val = split.Select(examples, split.Val);
        var test = split.Select(examples, split.Test);
        log($"Split: {train.Count} train / {val.Count} val / {test.Count} test (per-tool)");

        var trainEnc = ExampleEncoder.Prepare(train, tokenizer, options.Encoder);
        var valEnc = ExampleEncoder.Prepare(val, tokenizer, options.Encoder);
        foreach (var (name, p) in new[] { ("train", trainEnc), ("val", valEnc) })
            if (p.Skipped > 0) log($"  Skipped {p.Skipped} {name} examples (too long for max_dec_len={options.Encoder.MaxDecLen})");
        if (trainEnc.Examples.Count == 0)
            throw new InvalidDataException($"Tokenization produced 0 training sequences from {train.Count} examples (answers longer than {options.Encoder.MaxDecLen - 3} tokens are dropped).");
        if (valEnc.Examples.Count == 0)
            throw new InvalidDataException($"Tokenization produced 0 validation sequences from {val.Count} examples.");
        log($"Tokenized: {trainEnc.Examples.Count} train / {valEnc.Examples.Count} val sequences");

        var trainBins = SequencePacker.Pack(trainEnc.Examples, options.Encoder.MaxEncLen, options.Encoder.MaxDecLen);
        var valBins = SequencePacker.Pack(valEnc.Examples, options.Encoder.MaxEncLen, options.Encoder.MaxDecLen);
        log($"  Packed {trainEnc.Examples.Count} sequences into {trainBins.Count} bins ({trainBins.Utilization:P0} utilization)");
        var plan = TrainingPlan.Create(trainBins.Count, options.Plan);
        foreach (var a in plan.Adjustments) log("  " + a);

        return new FinetuneData
        {
            Report = report, Split = split, Train = train, Val = val, Test = test,
            TrainEncoded = trainEnc, ValEncoded = valEnc, TrainBins = trainBins, ValBins = valBins, Plan = plan,
            Contrastive = options.BuildContrastive ? ContrastiveData.Build(train, trainEnc, tokenizer) : null,
        };
    }
}
