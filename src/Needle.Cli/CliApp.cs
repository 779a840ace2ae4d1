using System.CommandLine;
using System.Reflection;

namespace Needle.Cli;

/// <summary>One subcommand of `needle`. Implementations are found by reflection, so adding a command is adding a file.</summary>
public interface ICliCommand
{
    Command Build();
}

public static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("needle: run, finetune and evaluate Needle tool-calling models on your CPU.");
        foreach (var command in DiscoverCommands().OrderBy(c => c.Name, StringComparer.Ordinal))
            root.Subcommands.Add(command);
        return root;
    }

    private static IEnumerable<Command> DiscoverCommands() =>
        typeof(CliApp).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build());
}
