using Bunit;
using Needle.Playground.Components.Layout;

namespace Needle.Playground.Tests.Components;

public sealed class NavMenuTests : BunitContext
{
    [Fact]
    public void Lists_every_area_in_order()
    {
        var menu = Render<NavMenu>();
        var labels = menu.FindAll("a.nav-item").Select(a => a.TextContent.Trim().TrimStart('▶', '◆', '▣', '≡').Trim()).ToArray();
        Assert.Equal(["Playground", "Finetune", "Models", "Jobs"], labels);
        Assert.Equal(["/", "/finetune", "/models", "/jobs"], menu.FindAll("a.nav-item").Select(a => a.GetAttribute("href") ?? "").ToArray());
    }
}
