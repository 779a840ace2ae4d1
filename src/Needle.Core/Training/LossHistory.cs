using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Needle.Core.Training;

public sealed record TrainLossPoint(int Step, int Epoch, double Loss, double AdamLearningRate, double MuonLearningRate);

public sealed record ValPoint(int Step, int Epoch, double Perplexity, double? QuantPerplexity);

/// <summary>The loss curve of a run: one point per optimizer step, one validation point per epoch end.</summary>
public sealed class LossHistory
{
    public List<TrainLossPoint> Train { get; init; } = [];
    public List<ValPoint> Val { get; init; } = [];

    public void Add(StepCompleted s) => Train.Add(new TrainLossPoint(s.Step, s.Epoch, s.Loss, s.AdamLearningRate, s.MuonLearningRate));

    public void Add(EpochCompleted e)
    {
        if (e.ValPerplexity is double ppl) Val.Add(new ValPoint(e.Step, e.Epoch, ppl, e.QuantValPerplexity));
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    public static LossHistory FromJson(string json) =>
        JsonSerializer.Deserialize<LossHistory>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))
        ?? throw new InvalidDataException("Loss history JSON is empty.");

    /// <summary>CSV with a <c>kind</c> column ("train" rows carry loss and rates, "val" rows perplexities).</summary>
    public string ToCsv()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("kind,step,epoch,loss,adam_lr,muon_lr,val_ppl,quant_val_ppl\n");
        foreach (var p in Train)
            sb.Append(ci, $"train,{p.Step},{p.Epoch},{p.Loss:R},{p.AdamLearningRate:R},{p.MuonLearningRate:R},,\n");
        foreach (var v in Val)
            sb.Append(ci, $"val,{v.Step},{v.Epoch},,,,{v.Perplexity:R},{(v.QuantPerplexity is double q ? q.ToString("R", ci) : "")}\n");
        return sb.ToString();
    }
}
