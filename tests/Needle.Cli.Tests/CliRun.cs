using System.CommandLine;

namespace Needle.Cli.Tests;

/// <summary>Runs the `needle` command line in-process, capturing what it writes.</summary>
internal static class CliRun
{
    public static async Task<(int Exit, string Out, string Err)> InvokeAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
