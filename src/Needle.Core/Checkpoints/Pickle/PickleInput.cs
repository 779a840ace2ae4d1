namespace Needle.Core.Checkpoints.Pickle;

/// <summary>
/// The unpickler's input: a byte[] already in memory, or a seekable stream read through a small buffer. From a stream,
/// byte payloads of at least <see cref="DeferThreshold"/> bytes (numpy array data) can be skipped instead of read:
/// the unpickler records where they are (<see cref="PyDeferredBytes"/>) and the caller reads them later straight into
/// their final arrays, so a checkpoint never has to be held in memory twice.
/// </summary>
internal sealed class PickleInput
{
    private byte[] _buffer;
    private int _pos, _end;          // valid bytes are _buffer[_pos.._end)
    private long _bufferStart;       // stream offset of _buffer[0]
    private readonly Stream? _stream;

    public PickleInput(byte[] data)
    {
        _buffer = data;
        _end = data.Length;
        Length = data.Length;
    }

    public PickleInput(Stream stream, long deferThreshold)
    {
        if (!stream.CanSeek) throw new ArgumentException("a deferred-payload pickle input needs a seekable stream.", nameof(stream));
        _stream = stream;
        _bufferStart = stream.Position;
        Length = stream.Length;
        _buffer = new byte[64 * 1024];
        DeferThreshold = deferThreshold;
    }

    public long Length { get; }
    public long Position => _bufferStart + _pos;
    public long Remaining => Length - Position;

    /// <summary>Payloads this long or longer are skipped (stream input only; 0 = never).</summary>
    public long DeferThreshold { get; }

    public bool CanDefer(long count) => _stream is not null && DeferThreshold > 0 && count >= DeferThreshold;

    public bool TryReadByte(out byte value)
    {
        if (_pos >= _end && !Fill(1)) { value = 0; return false; }
        value = _buffer[_pos++];
        return true;
    }

    /// <summary>The next <paramref name="count"/> bytes; valid until the next read. False when fewer remain.</summary>
    public bool TryTake(int count, out ReadOnlySpan<byte> span)
    {
        if (count < 0 || (_end - _pos < count && !Fill(count))) { span = default; return false; }
        span = _buffer.AsSpan(_pos, count);
        _pos += count;
        return true;
    }

    /// <summary>Moves past <paramref name="count"/> bytes without reading them (the caller checked they exist).</summary>
    public void Skip(long count)
    {
        var inBuffer = Math.Min(count, _end - _pos);
        _pos += (int)inBuffer;
        if (count == inBuffer) return;
        _bufferStart = Position + (count - inBuffer);
        _pos = _end = 0;
        _stream!.Seek(_bufferStart, SeekOrigin.Begin);
    }

    /// <summary>The bytes up to the next '\n' (excluded), consuming the '\n'. False when there is none.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        var searched = 0;
        while (true)
        {
            var end = _buffer.AsSpan(_pos + searched, _end - _pos - searched).IndexOf((byte)'\n');
            if (end >= 0)
            {
                line = _buffer.AsSpan(_pos, searched + end);
                _pos += searched + end + 1;
                return true;
            }
            searched = _end - _pos;
            if (!Fill(searched + 1)) { line = default; return false; }
        }
    }

    /// <summary>Makes at least <paramref name="count"/> bytes available from _pos (stream input); false at the end.</summary>
    private bool Fill(int count)
    {
        if (_stream is null || count > Remaining) return false;
        var have = _end - _pos;
        if (count > _buffer.Length)
        {
            var grown = new byte[Math.Max(count, 2 * _buffer.Length)];
            Buffer.BlockCopy(_buffer, _pos, grown, 0, have);
            _buffer = grown;
        }
        else if (_pos > 0) Buffer.BlockCopy(_buffer, _pos, _buffer, 0, have);
        _bufferStart += _pos;
        _pos = 0;
        _end = have;
        while (_end < count)
        {
            var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0) return false;
            _end += n;
        }
        return true;
    }
}
