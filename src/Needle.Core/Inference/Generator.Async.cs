using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Needle.Core.Inference;

public sealed partial class Generator
{
    /// <summary>
    /// <see cref="Stream"/> off the caller's thread: decoding runs on the thread pool and tokens arrive as they are
    /// made (for SignalR / server-sent events). Cancelling stops decoding at the next step.
    /// </summary>
    public async IAsyncEnumerable<GeneratedToken> StreamAsync(string query, string toolsJson = "[]", GenerationOptions? options = null,
                                                              [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var steps = Stream(query, toolsJson, options, cancellationToken); // validates arguments now
        var channel = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var step in steps) channel.Writer.TryWrite(step);
                channel.Writer.TryComplete();
            }
            catch (Exception e) { channel.Writer.TryComplete(e); }
        }, CancellationToken.None);

        await foreach (var step in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested(); // buffered items are read without looking at the token
            yield return step;
        }
        await producer.ConfigureAwait(false);
    }
}
