using Needle.Cli;

// The `needle` command: every ICliCommand in this assembly becomes a subcommand.
return await CliApp.Parse(args).InvokeAsync();
