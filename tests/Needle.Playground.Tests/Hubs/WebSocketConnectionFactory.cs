using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Needle.Playground.Tests.Hubs;

/// <summary>
/// The SignalR client's transport over a plain WebSocket (the full client package, with its HTTP transports, is not
/// available here): skip negotiation and pump bytes between the socket and the pipes the HubConnection reads and writes.
/// </summary>
public sealed class WebSocketConnectionFactory(Func<CancellationToken, Task<WebSocket>> connect) : IConnectionFactory
{
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = await connect(cancellationToken);
        return new WebSocketConnection(socket);
    }

    private sealed class WebSocketConnection : ConnectionContext
    {
        private readonly WebSocket _socket;
        private readonly Pipe _incoming = new();
        private readonly Pipe _outgoing = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _receiving;
        private readonly Task _sending;

        public WebSocketConnection(WebSocket socket)
        {
            _socket = socket;
            Transport = new Duplex(_incoming.Reader, _outgoing.Writer);
            _receiving = ReceiveAsync();
            _sending = SendAsync();
        }

        public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
        public override IDuplexPipe Transport { get; set; }

        private async Task ReceiveAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var memory = _incoming.Writer.GetMemory(4096);
                    var result = await _socket.ReceiveAsync(memory, _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close) break;
                    _incoming.Writer.Advance(result.Count);
                    if (result.EndOfMessage) await _incoming.Writer.FlushAsync();
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested || _socket.State != WebSocketState.Open) { }
            finally { await _incoming.Writer.CompleteAsync(); }
        }

        private async Task SendAsync()
        {
            try
            {
                while (true)
                {
                    var read = await _outgoing.Reader.ReadAsync(_stop.Token);
                    foreach (var segment in read.Buffer)
                        await _socket.SendAsync(segment, WebSocketMessageType.Text, endOfMessage: true, _stop.Token);
                    _outgoing.Reader.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted) break;
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested || _socket.State != WebSocketState.Open) { }
            finally { await _outgoing.Reader.CompleteAsync(); }
        }

        public override async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try { await Task.WhenAll(_receiving, _sending); } catch (OperationCanceledException) { }
            _socket.Abort();
            _socket.Dispose();
            _stop.Dispose();
        }

        private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
        {
            public PipeReader Input { get; } = input;
            public PipeWriter Output { get; } = output;
        }
    }
}
