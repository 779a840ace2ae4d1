using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Needle.Bench;

/// <summary>
/// `needle run` latency and memory: the exact user command `needle run --checkpoint X --tokenizer Y --query Q --tools T`
/// timed from process start to the result line arriving on its stdout (target ≤ 1.5 s on the 26M model), median of N
/// runs, with each child's CPU time (user + sys, from getrusage of the reaped child: robust on a loaded machine) and
/// its peak RSS (VmHWM from /proc while it runs, and the kernel's maximum over all runs from getrusage).
/// With --split, one more run with --json prints the command's own load / prefill / decode split.
/// No peer: upstream's JAX cold start is not comparable.
/// args: --checkpoint PATH [--tokenizer PATH] [--needle path/to/needle(.dll)] [--runs 7] [--query TEXT] [--tools JSON]
///       [--extra "ARGS"] [--split]
/// </summary>
public sealed class RunLatencyBenchmark : IBenchmark
{
    public string Name => "run";
    public string Description => "needle run: process start to printed result (median of N), child CPU time and peak RSS";

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var checkpoint = Option(args, "--checkpoint");
        if (checkpoint is null) { Console.Error.WriteLine("--checkpoint PATH is required"); return 2; }
        var needle = Option(args, "--needle") ?? DefaultNeedle();
        if (!File.Exists(needle)) { Console.Error.WriteLine($"{needle} not found: dotnet build -c Release src/Needle.Cli, or pass --needle"); return 2; }
        int runs = int.Parse(Option(args, "--runs") ?? "7", CultureInfo.InvariantCulture);
        var tokenizer = Option(args, "--tokenizer");
        var query = Option(args, "--query") ?? "What is the weather in San Francisco?";
        var tools = Option(args, "--tools") ?? """[{"name": "get_weather", "parameters": {"location": {"type": "string", "description": "City"}}}]""";
        var extra = (Option(args, "--extra") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var command = new List<string> { "run", "--checkpoint", checkpoint };
        if (tokenizer is not null) command.AddRange(["--tokenizer", tokenizer]);
        command.AddRange(["--query", query, "--tools", tools]);
        command.AddRange(extra);
        Console.WriteLine($"command: {Path.GetFileName(needle)} {string.Join(' ', command.Select(a => a.Contains(' ') ? $"'{a}'" : a))}");

        var samples = new List<RunSample>();
        for (int i = 0; i < runs && !ct.IsCancellationRequested; i++)
        {
            var s = await RunOnceAsync(needle, command, ct);
            if (s is null) return 1;
            if (i == 0) Console.WriteLine($"result: {s.FirstLine}");
            samples.Add(s);
        }
        if (samples.Count == 0) return 1;

        Console.WriteLine($"to result printed, ms (median of {samples.Count}): {Median(samples.Select(s => s.ToResultMs)):F0}   " +
                          $"[min {samples.Min(s => s.ToResultMs):F0}, max {samples.Max(s => s.ToResultMs):F0}]");
        Console.WriteLine($"to process exit, ms (median):          {Median(samples.Select(s => s.ToExitMs)):F0}");
        if (samples.All(s => s.CpuMs >= 0))
            Console.WriteLine($"child CPU user+sys, ms (median):       {Median(samples.Select(s => s.CpuMs)):F0}   " +
                              $"[min {samples.Min(s => s.CpuMs):F0}]   (user {Median(samples.Select(s => s.UserMs)):F0}, sys {Median(samples.Select(s => s.SysMs)):F0})");
        var hwm = samples.Where(s => s.PeakRssMb > 0).Select(s => s.PeakRssMb).ToList();
        if (hwm.Count > 0)
            Console.WriteLine($"peak RSS (VmHWM), MB (median):         {Median(hwm):F0}   [max {hwm.Max():F0}, seen in {hwm.Count}/{samples.Count} runs]");
        if (ChildRusage.TryRead(out var all))
            Console.WriteLine($"peak RSS of the largest child (getrusage RUSAGE_CHILDREN), MB: {all.MaxRssKb / 1024.0:F0}");
        Console.WriteLine($"load average: {LoadAverage()}");

        if (args.Contains("--split"))
        {
            var split = await RunOnceAsync(needle, [.. command, "--json"], ct);
            if (split is null) return 1;
            using var doc = JsonDocument.Parse(split.FirstLine);
            Console.WriteLine("one --json run (the command's own clock, from Main):");
            foreach (var prop in doc.RootElement.EnumerateObject().Where(x => x.Value.ValueKind == JsonValueKind.Number))
                Console.WriteLine($"  {prop.Name,-22} {prop.Value.GetDouble():F1}");
        }
        return 0;
    }

    private sealed record RunSample(string FirstLine, double ToResultMs, double ToExitMs, double UserMs, double SysMs, double PeakRssMb)
    {
        public double CpuMs => UserMs < 0 ? -1 : UserMs + SysMs;
    }

    private static async Task<RunSample?> RunOnceAsync(string needle, IReadOnlyList<string> command, CancellationToken ct)
    {
        var viaDotnet = needle.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var psi = new ProcessStartInfo(viaDotnet ? "dotnet" : needle) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (viaDotnet) psi.ArgumentList.Add(needle);
        foreach (var a in command) psi.ArgumentList.Add(a);

        ChildRusage.TryRead(out var before);
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync(ct);
        // VmHWM only grows: the last value read before the process exits is its peak so far. Poll it while it runs.
        double peakKb = 0;
        using var pollStop = new CancellationTokenSource();
        var poll = Task.Run(async () =>
        {
            while (!pollStop.IsCancellationRequested)
            {
                peakKb = Math.Max(peakKb, ReadVmHwmKb(p.Id));
                try { await Task.Delay(5, pollStop.Token); } catch (OperationCanceledException) { break; }
            }
        }, CancellationToken.None);

        var firstLine = await p.StandardOutput.ReadLineAsync(ct);
        var toResult = clock.Elapsed.TotalMilliseconds;
        peakKb = Math.Max(peakKb, ReadVmHwmKb(p.Id)); // right after the result: the process is only shutting down now
        await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var toExit = clock.Elapsed.TotalMilliseconds;
        pollStop.Cancel();
        await poll;
        var stderr = await stderrTask;
        if (p.ExitCode != 0 || firstLine is null)
        {
            Console.Error.WriteLine($"needle exited with {p.ExitCode}: {stderr}");
            return null;
        }
        double user = -1, sys = -1;
        if (ChildRusage.TryRead(out var after))
        {
            user = (after.UserUs - before.UserUs) / 1000.0;
            sys = (after.SysUs - before.SysUs) / 1000.0;
        }
        return new RunSample(firstLine, toResult, toExit, user, sys, peakKb / 1024.0);
    }

    /// <summary>The apphost beside the Release build of the CLI (what a user runs as `needle`), else its dll.</summary>
    private static string DefaultNeedle()
    {
        var dir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Needle.Cli", "bin", "Release", "net10.0"));
        var host = Path.Combine(dir, OperatingSystem.IsWindows() ? "needle.exe" : "needle");
        return File.Exists(host) ? host : Path.Combine(dir, "needle.dll");
    }

    private static double ReadVmHwmKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }

    private static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>getrusage(RUSAGE_CHILDREN): CPU time summed over reaped children; max RSS of the largest one (Linux).</summary>
    private static partial class ChildRusage
    {
        public readonly record struct Snapshot(long UserUs, long SysUs, long MaxRssKb);

        [StructLayout(LayoutKind.Sequential)]
        private struct RUsage
        {
            public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
            public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
        }

        [DllImport("libc", EntryPoint = "getrusage")]
        private static extern int GetRUsage(int who, out RUsage usage);

        public static bool TryRead(out Snapshot snapshot)
        {
            snapshot = default;
            if (!OperatingSystem.IsLinux()) return false;
            try
            {
                if (GetRUsage(-1 /* RUSAGE_CHILDREN */, out var u) != 0) return false;
                snapshot = new Snapshot(u.UtimeSec * 1_000_000 + u.UtimeUsec, u.StimeSec * 1_000_000 + u.StimeUsec, u.MaxRss);
                return true;
            }
            catch (DllNotFoundException) { return false; }
            catch (EntryPointNotFoundException) { return false; }
        }
    }
}
