using Needle.Core.Kernels;

namespace Needle.Bench;

/// <summary>GEMM GFLOP/s on model-shaped problems (K = 512), one and two threads, then PyTorch's torch.mm on the same shapes.</summary>
public sealed class GemmBenchmark : IBenchmark
{
    public string Name => "gemm";
    public string Description => "SGEMM GFLOP/s on model shapes, 1 and 2 threads, vs torch.mm  [--reps N] [--no-peer]";

    private static readonly (int M, int N, int K, string What)[] Shapes =
    [
        (256, 1024, 512, "prefill qkv"), (256, 512, 512, "prefill out_proj"), (1024, 1024, 512, "train qkv B4"),
        (1024, 512, 512, "train out_proj B4"), (64, 8192, 512, "logits 64 tok"), (1024, 8192, 512, "logits 1024 tok"),
    ];

    public async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var o = new BenchOptions(args);
        var reps = o.GetInt("reps", 7);
        Console.WriteLine($"SIMD level {Simd.Level}, pool threads {WorkerPool.Shared.Threads}");
        Console.WriteLine($"{"shape",-22} {"what",-18} {"1 thread",10} {"2 threads",10}");
        double log1 = 0, log2 = 0;
        var rng = new Random(1);
        foreach (var (m, n, k, what) in Shapes)
        {
            var a = new float[m * k];
            var b = new float[k * n];
            var c = new float[m * n];
            for (var i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble();
            for (var i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble();
            var flop = 2.0 * m * n * k;
            var (_, t1) = Timing.Measure(() => Gemm.MatMul(a, b, c, m, n, k, parallel: false), 2, reps);
            var (_, t2) = Timing.Measure(() => Gemm.MatMul(a, b, c, m, n, k), 2, reps);
            log1 += Math.Log(flop / t1 / 1e9);
            log2 += Math.Log(flop / t2 / 1e9);
            Console.WriteLine($"{$"{m}x{n}x{k}",-22} {what,-18} {flop / t1 / 1e9,10:F1} {flop / t2 / 1e9,10:F1}");
        }
        Console.WriteLine($"{"geomean GFLOP/s",-41} {Math.Exp(log1 / Shapes.Length),10:F1} {Math.Exp(log2 / Shapes.Length),10:F1}");
        if (o.Has("no-peer")) return 0;

        // Peer: torch.mm on the same shapes (our own snippet; PyTorch with the tuned environment from PeerProcess).
        var script = Path.Combine(Path.GetTempPath(), $"needle-gemm-peer-{Environment.ProcessId}.py");
        await File.WriteAllTextAsync(script, PeerScript(reps), ct);
        try
        {
            Console.WriteLine("# peer: PyTorch torch.mm");
            Console.Write(await PeerProcess.RunAsync(script, "", ct));
        }
        finally { File.Delete(script); }
        return 0;
    }

    private static string PeerScript(int reps) =>
        "import time, math, torch\n" +
        $"shapes = [{string.Join(", ", Shapes.Select(s => $"({s.M},{s.N},{s.K})"))}]\n" +
        $"reps = {reps}\n" +
        """
        res = {1: [], 2: []}
        for th in (1, 2):
            torch.set_num_threads(th)
            for (m, n, k) in shapes:
                a = torch.rand(m, k); b = torch.rand(k, n); c = torch.empty(m, n)
                for _ in range(2): torch.mm(a, b, out=c)
                t = []
                for _ in range(reps):
                    t0 = time.perf_counter(); torch.mm(a, b, out=c); t.append(time.perf_counter() - t0)
                t.sort(); res[th].append(2.0 * m * n * k / t[len(t) // 2] / 1e9)
        print(f"torch {torch.__version__}")
        for i, (m, n, k) in enumerate(shapes):
            print(f"{m}x{n}x{k:<14} {res[1][i]:10.1f} {res[2][i]:10.1f}")
        g = lambda v: math.exp(sum(math.log(x) for x in v) / len(v))
        print(f"geomean GFLOP/s {g(res[1]):10.1f} {g(res[2]):10.1f}")
        """;
}
