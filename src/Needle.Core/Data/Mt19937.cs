namespace Needle.Core.Data;

/// <summary>
/// The Mersenne Twister MT19937 core shared by Python's <c>random.Random</c> and numpy's legacy <c>RandomState</c>.
/// The two differ only in seeding and in how they turn 32-bit draws into bounded ints (see the two wrappers).
/// </summary>
public sealed class Mt19937
{
    private const int N = 624, M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _mti = N + 1;

    /// <summary>init_genrand(seed): numpy's <c>RandomState(int)</c>.</summary>
    public static Mt19937 FromSeed(uint seed)
    {
        var r = new Mt19937();
        r.InitGenrand(seed);
        return r;
    }

    /// <summary>init_by_array(key): Python's <c>random.seed(int)</c> with the int's 32-bit words, least significant first.</summary>
    public static Mt19937 FromKey(ReadOnlySpan<uint> key)
    {
        var r = new Mt19937();
        r.InitGenrand(19650218u);
        int i = 1, j = 0;
        int k = Math.Max(N, key.Length);
        var mt = r._mt;
        for (; k > 0; k--)
        {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (k = N - 1; k > 0; k--)
        {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
        }
        mt[0] = 0x80000000u;
        return r;
    }

    private void InitGenrand(uint s)
    {
        _mt[0] = s;
        for (int i = 1; i < N; i++) _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _mti = N;
    }

    /// <summary>genrand_uint32.</summary>
    public uint NextUInt32()
    {
        if (_mti >= N)
        {
            for (int kk = 0; kk < N; kk++)
            {
                uint y = (_mt[kk] & 0x80000000u) | (_mt[(kk + 1) % N] & 0x7fffffffu);
                _mt[kk] = _mt[(kk + M) % N] ^ (y >> 1) ^ ((y & 1u) != 0 ? 0x9908b0dfu : 0u);
            }
            _mti = 0;
        }
        uint x = _mt[_mti++];
        x ^= x >> 11;
        x ^= (x << 7) & 0x9d2c5680u;
        x ^= (x << 15) & 0xefc60000u;
        x ^= x >> 18;
        return x;
    }
}

/// <summary>Python's <c>random.Random(seed)</c>: the parts the per-tool split needs (shuffle, randbelow).</summary>
public sealed class PythonRandom
{
    private readonly Mt19937 _mt;

    public PythonRandom(long seed)
    {
        // random.seed(int) uses abs(seed), split into 32-bit words (at least one word).
        ulong a = (ulong)Math.Abs(seed);
        uint[] key = a > uint.MaxValue ? [(uint)a, (uint)(a >> 32)] : [(uint)a];
        _mt = Mt19937.FromKey(key);
    }

    /// <summary>getrandbits(k) for 1 ≤ k ≤ 32.</summary>
    public uint GetRandBits(int k) => _mt.NextUInt32() >> (32 - k);

    /// <summary>_randbelow(n): rejection sampling on bit_length(n) bits.</summary>
    public int RandBelow(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        int k = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);
        uint r = GetRandBits(k);
        while (r >= (uint)n) r = GetRandBits(k);
        return (int)r;
    }

    /// <summary>random.shuffle (in place).</summary>
    public void Shuffle<T>(IList<T> x)
    {
        for (int i = x.Count - 1; i > 0; i--)
        {
            int j = RandBelow(i + 1);
            (x[i], x[j]) = (x[j], x[i]);
        }
    }
}

/// <summary>numpy's legacy <c>np.random.RandomState(seed)</c>: shuffle / permutation / randint as the legacy code draws them.</summary>
public sealed class NumpyRandomState
{
    private readonly Mt19937 _mt;

    public NumpyRandomState(uint seed) => _mt = Mt19937.FromSeed(seed);

    /// <summary>Legacy random_interval(max): mask to the next power of two minus one, redraw until ≤ max.</summary>
    public uint RandomInterval(uint max)
    {
        if (max == 0) return 0;
        uint mask = max;
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16;
        uint v;
        while ((v = _mt.NextUInt32() & mask) > max) { }
        return v;
    }

    /// <summary>RandomState.shuffle of a list or 1-D array (in place).</summary>
    public void Shuffle<T>(IList<T> x)
    {
        for (int i = x.Count - 1; i > 0; i--)
        {
            int j = (int)RandomInterval((uint)i);
            (x[i], x[j]) = (x[j], x[i]);
        }
    }

    /// <summary>RandomState.permutation(n).</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        Shuffle(p);
        return p;
    }

    /// <summary>RandomState.randint(high) for 0 &lt; high ≤ 2^32 (legacy bounded draw of [0, high−1]).</summary>
    public int RandInt(int high)
    {
        if (high <= 0) throw new ArgumentOutOfRangeException(nameof(high));
        return (int)RandomInterval((uint)(high - 1));
    }
}
