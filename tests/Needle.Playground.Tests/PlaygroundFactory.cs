using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Needle.Tests;

namespace Needle.Playground.Tests;

/// <summary>The real app in memory, rooted at the repository's top level like a normal run.</summary>
public sealed class PlaygroundFactory : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepoPaths.Root);
        builder.UseEnvironment("Testing");
    }
}
