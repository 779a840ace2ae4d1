using Microsoft.AspNetCore.Http.Connections;
using System.Net.WebSockets;
using System.Text;

namespace Needle.Playground.Tests.Hosting;

public sealed class JobsHubTests(PlaygroundFactory factory) : IClassFixture<PlaygroundFactory>
{
    [Fact]
    public async Task Hub_accepts_the_json_protocol_handshake_over_websocket()
    {
        _ = factory.Server; // start the in-memory server
        var client = factory.Server.CreateWebSocketClient();
        using var socket = await client.ConnectAsync(new Uri(factory.Server.BaseAddress, "/hubs/jobs"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("{}\u001e", Encoding.UTF8.GetString(buffer, 0, result.Count));
        _ = HttpTransportType.WebSockets;
    }
}
