using System.Globalization;

namespace Needle.Core.Model;

/// <summary>
/// TransformerConfig of upstream Needle. A checkpoint pickles only the keys it was given, so loading merges the file's
/// keys over these defaults (needle-model.md §1.4). Unknown keys are ignored, like upstream.
/// </summary>
public sealed record NeedleConfig
{
    public int VocabSize { get; init; } = 8192;
    public int DModel { get; init; } = 128;
    public int NumHeads { get; init; } = 4;
    public int NumKvHeads { get; init; } = 2;
    public int NumEncoderLayers { get; init; } = 2;
    public int NumDecoderLayers { get; init; } = 2;
    public int DFf { get; init; } = 512;            // unused: Needle has no feed-forward layers
    public int MaxSeqLen { get; init; } = 128;      // unused by the model
    public int PadTokenId { get; init; } = 0;
    public double RopeTheta { get; init; } = 10000.0;
    public string DType { get; init; } = "bfloat16";
    public string Activation { get; init; } = "drelu";
    public int NumMemorySlots { get; init; } = 64;  // unused by the model
    public double DropoutRate { get; init; } = 0.1;
    public int ContrastiveDim { get; init; } = 128;
    public bool NoFeedforward { get; init; } = true;

    public int HeadDim => DModel / NumHeads;

    /// <summary>The released 26M model: 12 + 8 layers, d=512, 8 heads / 4 KV heads.</summary>
    public static NeedleConfig Needle26M { get; } = new()
    {
        DModel = 512, NumHeads = 8, NumKvHeads = 4, NumEncoderLayers = 12, NumDecoderLayers = 8,
        DFf = 2048, MaxSeqLen = 1024, NumMemorySlots = 64, ContrastiveDim = 128,
    };

    /// <summary>Python key names, in the order upstream's dataclass declares them.</summary>
    public static readonly string[] Keys =
    [
        "vocab_size", "d_model", "num_heads", "num_kv_heads", "num_encoder_layers", "num_decoder_layers", "d_ff",
        "max_seq_len", "pad_token_id", "rope_theta", "dtype", "activation", "num_memory_slots", "dropout_rate",
        "contrastive_dim", "no_feedforward",
    ];

    /// <summary>Merges a pickled config dict over the defaults.</summary>
    public static NeedleConfig FromDictionary(IReadOnlyDictionary<string, object?> dict)
    {
        var c = new NeedleConfig();
        int I(string k, int d) => dict.TryGetValue(k, out var v) && v is not null ? Convert.ToInt32(v, CultureInfo.InvariantCulture) : d;
        double D(string k, double d) => dict.TryGetValue(k, out var v) && v is not null ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : d;
        string S(string k, string d) => dict.TryGetValue(k, out var v) && v is string s ? s : d;
        bool B(string k, bool d) => dict.TryGetValue(k, out var v) && v is bool b ? b : d;
        c = c with
        {
            VocabSize = I("vocab_size", c.VocabSize), DModel = I("d_model", c.DModel), NumHeads = I("num_heads", c.NumHeads),
            NumKvHeads = I("num_kv_heads", c.NumKvHeads), NumEncoderLayers = I("num_encoder_layers", c.NumEncoderLayers),
            NumDecoderLayers = I("num_decoder_layers", c.NumDecoderLayers), DFf = I("d_ff", c.DFf),
            MaxSeqLen = I("max_seq_len", c.MaxSeqLen), PadTokenId = I("pad_token_id", c.PadTokenId),
            RopeTheta = D("rope_theta", c.RopeTheta), DType = S("dtype", c.DType), Activation = S("activation", c.Activation),
            NumMemorySlots = I("num_memory_slots", c.NumMemorySlots), DropoutRate = D("dropout_rate", c.DropoutRate),
            ContrastiveDim = I("contrastive_dim", c.ContrastiveDim), NoFeedforward = B("no_feedforward", c.NoFeedforward),
        };
        c.Validate();
        return c;
    }

    /// <summary>All 16 fields as Python values, for writing a checkpoint (like upstream's export.py).</summary>
    public Dictionary<string, object?> ToDictionary() => new()
    {
        ["vocab_size"] = (long)VocabSize, ["d_model"] = (long)DModel, ["num_heads"] = (long)NumHeads,
        ["num_kv_heads"] = (long)NumKvHeads, ["num_encoder_layers"] = (long)NumEncoderLayers,
        ["num_decoder_layers"] = (long)NumDecoderLayers, ["d_ff"] = (long)DFf, ["max_seq_len"] = (long)MaxSeqLen,
        ["pad_token_id"] = (long)PadTokenId, ["rope_theta"] = RopeTheta, ["dtype"] = DType, ["activation"] = Activation,
        ["num_memory_slots"] = (long)NumMemorySlots, ["dropout_rate"] = DropoutRate, ["contrastive_dim"] = (long)ContrastiveDim,
        ["no_feedforward"] = NoFeedforward,
    };

    /// <summary>Rejects configs the model cannot run, naming the field.</summary>
    public void Validate()
    {
        if (DModel <= 0 || NumHeads <= 0 || DModel % NumHeads != 0)
            throw new InvalidDataException($"config: d_model ({DModel}) must be a positive multiple of num_heads ({NumHeads}).");
        if (NumKvHeads <= 0 || NumHeads % NumKvHeads != 0)
            throw new InvalidDataException($"config: num_heads ({NumHeads}) must be a multiple of num_kv_heads ({NumKvHeads}).");
        if (HeadDim % 2 != 0)
            throw new InvalidDataException($"config: head_dim ({HeadDim}) must be even for RoPE.");
        if (VocabSize <= 6) throw new InvalidDataException($"config: vocab_size ({VocabSize}) is too small.");
        if (NumEncoderLayers < 0 || NumDecoderLayers <= 0)
            throw new InvalidDataException("config: num_encoder_layers must be >= 0 and num_decoder_layers > 0.");
        if (!NoFeedforward)
            throw new NotSupportedException("config: no_feedforward=False (feed-forward layers) is not supported; released Needle models have none.");
    }
}
