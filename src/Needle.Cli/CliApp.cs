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

    /// <summary>
    /// Parses a command line. Response files are off: `--tools @tools.json` is our own "read this file" syntax, and
    /// System.CommandLine's response-file expansion would split a multi-line JSON file into stray arguments.
    /// </summary>
    public static ParseResult Parse(IReadOnlyList<string> args) =>
        Build().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    private static IEnumerable<Command> DiscoverCommands() =>
        typeof(CliApp).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build());
}
