using System.CommandLine;

namespace Needle.Cli.Tests;

public sealed class HelpTests
{
    [Fact]
    public async Task Help_lists_the_commands()
    {
        var output = new StringWriter();
        var exit = await CliApp.Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = output });
        Assert.Equal(0, exit);
        var text = output.ToString();
        Assert.Contains("Usage:", text);
        foreach (var command in CliApp.Build().Subcommands)
            Assert.Contains(command.Name, text);
        Assert.Contains("version", text);
    }

    [Fact]
    public async Task Unknown_command_fails_with_a_nonzero_exit()
    {
        var error = new StringWriter();
        var exit = await CliApp.Parse(["no-such-command"]).InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.NotEqual(0, exit);
        Assert.Contains("no-such-command", error.ToString());
    }
}
