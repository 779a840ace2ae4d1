using System.CommandLine;
using System.Globalization;
using Needle.Core.Checkpoints;
using Needle.Core.Model;

namespace Needle.Cli.Commands;

/// <summary>`needle inspect CHECKPOINT`: the stored config and every parameter with its shape, dtype and count.</summary>
public sealed class InspectCommand : ICliCommand
{
    public Command Build()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A Needle .pkl checkpoint." };
        var command = new Command("inspect", "Show a checkpoint's config and parameter table, and check it against the model layout.");
        command.Arguments.Add(checkpoint);
        command.SetAction((ParseResult pr) =>
        {
            var output = pr.InvocationConfiguration.Output;
            var error = pr.InvocationConfiguration.Error;
            var path = pr.GetValue(checkpoint)!;
            CheckpointData data;
            NeedleConfig config;
            try
            {
                data = CheckpointFile.Load(path);
                config = CheckpointFile.ConfigOf(data, path);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException)
            {
                error.WriteLine($"inspect: {e.Message}");
                return 1;
            }
            Print(output, path, data, config);
            return CheckpointValidator.Check(data, config).IsValid ? 0 : 3;
        });
        return command;
    }

    private static void Print(TextWriter o, string path, CheckpointData data, NeedleConfig config)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"checkpoint: {Path.GetFullPath(path)} ({new FileInfo(path).Length.ToString("N0", inv)} bytes)");
        o.WriteLine("config (keys stored in the file):");
        foreach (var (k, v) in data.Config) o.WriteLine($"  {k} = {Format(v)}");
        foreach (var (k, v) in data.Extra) o.WriteLine($"extra: {k} = {Format(v)}");
        o.WriteLine($"model: d_model {config.DModel}, heads {config.NumHeads}/{config.NumKvHeads} (q/kv), head_dim {config.HeadDim}, " +
                    $"layers {config.NumEncoderLayers} encoder + {config.NumDecoderLayers} decoder, vocab {config.VocabSize}, contrastive {config.ContrastiveDim}");

        var layout = NeedleParameterLayout.For(config);
        var order = layout.Select(p => p.Path).Where(data.Params.ContainsKey)
            .Concat(data.Params.Keys.Except(layout.Select(p => p.Path)).Order(StringComparer.Ordinal)).ToList();
        var width = Math.Max(10, order.DefaultIfEmpty("").Max(p => p.Length));
        o.WriteLine();
        o.WriteLine($"{"parameter".PadRight(width)}  {"shape",-16} {"dtype",-9} {"count",12}");
        foreach (var name in order)
        {
            var a = data.Params[name];
            o.WriteLine($"{name.PadRight(width)}  {a.ShapeText,-16} {a.StoredAs.ToString().ToLowerInvariant(),-9} {a.Count.ToString("N0", inv),12}");
        }
        var total = data.Params.Values.Sum(a => a.Count);
        o.WriteLine($"total: {total.ToString("N0", inv)} parameters in {data.Params.Count} arrays " +
                    $"(the layout for this config has {NeedleParameterLayout.ParameterCount(config).ToString("N0", inv)} in {layout.Count})");
        var check = CheckpointValidator.Check(data, config);
        o.WriteLine(check.IsValid ? "layout: OK" : $"layout: MISMATCH: {check}");
    }

    private static string Format(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        string s => "\"" + s + "\"",
        double d when double.IsFinite(d) && d == Math.Floor(d) && Math.Abs(d) < 1e16 => d.ToString("R", CultureInfo.InvariantCulture) + ".0", // Python repr
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
