namespace Needle.Cli.Tests.Commands;

/// <summary>
/// The commands' test seams (<c>RunCommand.LoadRuntime</c>, <c>EvalCommand.LoadRuntime</c>,
/// <c>FinetuneCommand.CreateRunner</c>) are static: classes that swap them, and classes that need the real ones, run
/// one after another in this collection so a fake never leaks into a test that expects the real engine.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CliStaticsCollection
{
    public const string Name = "CLI command statics";
}
