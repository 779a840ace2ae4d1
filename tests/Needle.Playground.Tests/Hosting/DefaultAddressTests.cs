using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Needle.Playground.Hosting;
using Needle.Tests;

namespace Needle.Playground.Tests.Hosting;

/// <summary>The app listens on 127.0.0.1:7860 from appsettings.json unless the user names another address.</summary>
public sealed class DefaultAddressTests
{
    private static string? AddressFor(string[] args, Action<WebApplicationBuilder>? tweak = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = RepoPaths.Root });
        tweak?.Invoke(builder);
        builder.UseDefaultAddress();
        return builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey);
    }

    [Fact]
    public void Default_comes_from_appsettings_json()
    {
        Assert.Equal("http://127.0.0.1:7860", AddressFor([]));
    }

    [Fact]
    public void Urls_argument_wins()
    {
        Assert.Equal("http://127.0.0.1:5123", AddressFor(["--urls", "http://127.0.0.1:5123"]));
    }

    [Fact]
    public void Urls_from_configuration_such_as_the_environment_win()
    {
        var address = AddressFor([], b => b.Configuration["urls"] = "http://0.0.0.0:7860");
        Assert.Equal("http://0.0.0.0:7860", address);
    }
}
