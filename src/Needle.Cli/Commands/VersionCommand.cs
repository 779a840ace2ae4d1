using System.CommandLine;
using System.Reflection;

namespace Needle.Cli.Commands;

/// <summary>`needle version`: the tool's version and the SIMD width this machine gives the kernels.</summary>
public sealed class VersionCommand : ICliCommand
{
    public Command Build()
    {
        var command = new Command("version", "Print the version and the machine's SIMD support.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            Console.WriteLine($"needle {version}");
            Console.WriteLine($"runtime {Environment.Version}, {Environment.ProcessorCount} cores, " +
                              $"Vector512={System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, " +
                              $"Vector256={System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}");
            return 0;
        });
        return command;
    }
}
