using System.Diagnostics;

namespace Needle.Core.Tests.Checkpoints;

/// <summary>Runs Debian's /usr/bin/python3 (the one with numpy). A missing interpreter fails the test, never skips it.</summary>
internal static class PythonProcess
{
    public const string Python = "/usr/bin/python3";

    public static (int ExitCode, string Output) Run(params string[] args)
    {
        Assert.True(File.Exists(Python), $"{Python} is required for the interop tests (apt-get install python3 python3-numpy).");
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("python3 did not finish within 60 s.");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
