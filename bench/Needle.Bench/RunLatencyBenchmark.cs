using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Needle.Bench;

/// <summary>
/// `needle run` latency: process start to result printed (target ≤ 1.5 s on the 26M model), median of N runs, with
/// the load / prefill / decode split the command reports under --json. No peer: upstream's JAX cold start is not comparable.
/// args: --checkpoint PATH [--needle path/to/needle.dll] [--runs 5] [--query TEXT] [--tools JSON]
/// </summary>
public sealed class RunLatencyBenchmark : IBenchmark
{
    public string Name => "run";
    public string Description => "needle run: process start to printed result (median of N)";

    public Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var checkpoint = Option(args, "--checkpoint");
        if (checkpoint is null) { Console.Error.WriteLine("--checkpoint PATH is required"); return Task.FromResult(2); }
        var needle = Option(args, "--needle") ?? Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Needle.Cli", "bin", "Release", "net10.0", "needle.dll");
        if (!File.Exists(needle)) { Console.Error.WriteLine($"{needle} not found: dotnet build -c Release src/Needle.Cli, or pass --needle"); return Task.FromResult(2); }
        int runs = int.Parse(Option(args, "--runs") ?? "5", CultureInfo.InvariantCulture);
        var query = Option(args, "--query") ?? "What is the weather in San Francisco?";
        var tools = Option(args, "--tools") ?? """[{"name": "get_weather", "parameters": {"location": {"type": "string", "description": "City"}}}]""";

        var walls = new List<double>();
        var fields = new Dictionary<string, List<double>>();
        for (int i = 0; i < runs && !ct.IsCancellationRequested; i++)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { needle, "run", "--checkpoint", checkpoint, "--query", query, "--tools", tools, "--json" }) psi.ArgumentList.Add(a);
            var clock = Stopwatch.StartNew();
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            walls.Add(clock.Elapsed.TotalMilliseconds);
            if (p.ExitCode != 0) { Console.Error.WriteLine(stderr); return Task.FromResult(1); }
            using var doc = JsonDocument.Parse(stdout);
            foreach (var prop in doc.RootElement.EnumerateObject().Where(x => x.Value.ValueKind == JsonValueKind.Number))
                (fields.TryGetValue(prop.Name, out var l) ? l : fields[prop.Name] = []).Add(prop.Value.GetDouble());
            if (i == 0) Console.WriteLine($"result: {doc.RootElement.GetProperty("result").GetString()}");
        }
        Console.WriteLine($"process wall ms (median of {walls.Count}): {Median(walls):F0}   [min {walls.Min():F0}, max {walls.Max():F0}]");
        foreach (var (name, values) in fields) Console.WriteLine($"  {name,-22} {Median(values):F1}");
        return Task.FromResult(0);
    }

    private static double Median(List<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
