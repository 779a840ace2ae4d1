using System.Diagnostics;

namespace Needle.Bench;

/// <summary>Runs a peer benchmark in Debian's Python (torch / sentencepiece) with the tuned threading environment.</summary>
public static class PeerProcess
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Runs the script and returns its stdout; OpenBLAS's core-type override is removed as performance.md says.</summary>
    public static async Task<string> RunAsync(string script, string args, CancellationToken ct)
    {
        // Without OpenBLAS, Debian's torch uses the reference BLAS and runs ~30x slower: an unfair peer.
        if (!File.Exists("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"))
            Console.WriteLine("warning: libopenblas0-pthread is not installed; the PyTorch peer runs on the reference BLAS " +
                              "and its figures are not comparable (apt-get install libopenblas0-pthread)");
        var psi = new ProcessStartInfo(Python, $"\"{script}\" {args}") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment.Remove("OPENBLAS_CORETYPE");
        psi.Environment.Remove("OPENBLAS_L2_SIZE");
        psi.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        psi.Environment["OPENBLAS_NUM_THREADS"] = "2";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {Python}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"peer {script} failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }
}
