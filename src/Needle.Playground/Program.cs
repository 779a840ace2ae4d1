using Needle.Playground.Hosting;

var builder = WebApplication.CreateBuilder(PlaygroundHost.Options(args));
builder.AddPlayground();

var app = builder.Build();
app.UsePlayground();
app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
