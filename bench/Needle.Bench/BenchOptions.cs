namespace Needle.Bench;

/// <summary>Tiny "--name value" / "--flag" parser shared by the benchmarks.</summary>
internal sealed class BenchOptions(string[] args)
{
    /// <summary>Default PyTorch peer: the shared tools folder next to the repository (../shared/tools).</summary>
    public const string DefaultPeer = "/work/shared/tools/pytorch_peer.py";

    public string Get(string name, string fallback)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    public int GetInt(string name, int fallback) => int.Parse(Get(name, fallback.ToString()));

    public bool Has(string flag) => args.Contains("--" + flag);

    public string Peer => Get("peer", DefaultPeer);
}
