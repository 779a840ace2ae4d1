using System.Text.RegularExpressions;
using Needle.Tests;

namespace Needle.Playground.Tests.Hosting;

/// <summary>No Docker engine runs here, so the Dockerfile and compose file are kept honest by checking what they name.</summary>
public sealed class DeploymentFilesTests
{
    private static readonly string Dockerfile = File.ReadAllText(RepoPaths.Combine("Dockerfile"));
    private static readonly string Compose = File.ReadAllText(RepoPaths.Combine("docker-compose.yml"));

    [Fact]
    public void Every_path_the_Dockerfile_copies_from_the_repo_exists()
    {
        var sources = Regex.Matches(Dockerfile, @"^COPY\s+(?!--from)(.+?)\s+\S+\s*$", RegexOptions.Multiline)
            .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(s => !s.StartsWith("--", StringComparison.Ordinal))
            .ToArray();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
            Assert.True(File.Exists(RepoPaths.Combine(source)) || Directory.Exists(RepoPaths.Combine(source)), $"Dockerfile copies missing path '{source}'");
    }

    [Fact]
    public void Dockerfile_builds_the_web_project_runs_as_non_root_on_7860_with_a_checkpoints_volume()
    {
        var project = Regex.Match(Dockerfile, @"dotnet publish (\S+\.csproj)").Groups[1].Value;
        Assert.True(File.Exists(RepoPaths.Combine(project)), $"publish target '{project}' missing");
        Assert.Matches(@"(?m)^USER\s+(?!root)\S+", Dockerfile);
        Assert.Matches(@"(?m)^EXPOSE\s+7860", Dockerfile);
        Assert.Matches(@"(?m)^VOLUME\s+.*checkpoints", Dockerfile);
        Assert.Contains("http://0.0.0.0:7860", Dockerfile);
    }

    [Fact]
    public void Compose_publishes_loopback_7860_mounts_checkpoints_and_passes_provider_keys()
    {
        Assert.Contains("127.0.0.1:7860:7860", Compose);
        Assert.Matches(@"\./checkpoints:/app/checkpoints", Compose);
        Assert.True(Directory.Exists(RepoPaths.Combine("checkpoints")));
        foreach (var key in new[] { "GEMINI_API_KEY", "OPENAI_API_KEY", "HF_TOKEN" })
            Assert.Contains(key, Compose);
    }
}
