using Needle.Core.Kernels;

namespace Needle.Bench;

/// <summary>Per-kernel timings on 26M shapes (wall and CPU), to see where prefill and decode time goes.</summary>
public sealed class KernelsBenchmark : IBenchmark
{
    public string Name => "kernels";
    public string Description => "per-kernel timings on 26M shapes (MatVec fp16/fp32, attention, norms)  [--reps N] [--only TEXT]";

    public Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var o = new BenchOptions(args);
        var reps = o.GetInt("reps", 20);
        var only = o.Get("only", "");
        var rng = new Random(1);
        float[] R(int n) { var a = new float[n]; for (var i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() - 0.5); return a; }
        void Report(string what, Action action, double bytes = 0, double flop = 0)
        {
            if (only.Length > 0 && !what.Contains(only, StringComparison.OrdinalIgnoreCase)) return;
            // Warm up past tiered compilation (tier 0 → tier 1 needs ~30 calls and a background compile).
            var (best, med) = Timing.Measure(action, Math.Max(2, reps / 4), reps);
            var cpu = Timing.LastCpuSeconds;
            var extra = bytes > 0 ? $" {bytes / best / 1e9,7:F1} GB/s (best)" : flop > 0 ? $" {flop / best / 1e9,7:F1} GFLOP/s (best), {flop / cpu / 1e9,6:F1} GFLOP per CPU-s" : "";
            Console.WriteLine($"{what,-44} best {best * 1e6,9:F1} µs, median {med * 1e6,9:F1} µs wall {cpu * 1e6,9:F1} µs cpu{extra}");
        }

        var x = R(512);
        var y = new float[8192];
        var emb = R(8192 * 512);
        var f16 = PackedRows.FromRows(emb, 8192, 512, WeightPrecision.Float16);
        var f32 = PackedRows.FromRows(emb, 8192, 512, WeightPrecision.Float32);
        Report("MatVec logits 8192x512 fp16", () => MatVec.Forward(x, f16, y, 1), bytes: 8192 * 512 * 2);
        Report("MatVec logits 8192x512 fp32", () => MatVec.Forward(x, f32, y, 1), bytes: 8192 * 512 * 4);
        Report("MatVec logits fp16 1 thread", () => MatVec.Forward(x, f16, y, 1, parallel: false), bytes: 8192 * 512 * 2);
        var i8 = PackedRows.FromRows(emb, 8192, 512, WeightPrecision.Int8);
        Report("MatVec logits 8192x512 int8", () => MatVec.Forward(x, i8, y, 1), bytes: i8.Bytes);
        Report("MatVec logits int8 1 thread", () => MatVec.Forward(x, i8, y, 1, parallel: false), bytes: i8.Bytes);
        var qkv8 = PackedRows.FromRows(R(1024 * 512), 1024, 512, WeightPrecision.Int8);
        Report("MatVec qkv 1024x512 int8 1 thread", () => MatVec.Forward(x, qkv8, y, 1, parallel: false), bytes: qkv8.Bytes);
        var saved = MatVec.ParallelMinBytes;
        MatVec.ParallelMinBytes = 1 << 16;
        Report("MatVec qkv 1024x512 int8 split", () => MatVec.Forward(x, qkv8, y, 1), bytes: qkv8.Bytes);
        var out8 = PackedRows.FromRows(R(512 * 512), 512, 512, WeightPrecision.Int8);
        Report("MatVec out 512x512 int8 split", () => MatVec.Forward(x, out8, y, 1), bytes: out8.Bytes);
        MatVec.ParallelMinBytes = saved;
        Report("MatVec out 512x512 int8 1 thread", () => MatVec.Forward(x, out8, y, 1, parallel: false), bytes: out8.Bytes);
        var qkv = PackedRows.FromRows(R(1024 * 512), 1024, 512, WeightPrecision.Float16);
        Report("MatVec qkv 1024x512 fp16", () => MatVec.Forward(x, qkv, y, 1), bytes: 1024 * 512 * 2);
        Report("MatVec qkv 1024x512 fp16 1 thread", () => MatVec.Forward(x, qkv, y, 1, parallel: false), bytes: 1024 * 512 * 2);

        const int t = 256, h = 8, kv = 4, hd = 64;
        var q = R(t * h * hd); var k = R(t * kv * hd); var v = R(t * kv * hd); var outp = new float[t * h * hd];
        var attFlop = 4.0 * t * t * hd * h;
        Report("Attention prefill 256 tok 8 heads", () => Attention.Forward(q, k, v, outp, 1, t, t, h, kv, hd, default, false, 0, 0.125f), flop: attFlop);
        Report("Attention prefill 1 thread", () => Attention.Forward(q, k, v, outp, 1, t, t, h, kv, hd, default, false, 0, 0.125f, parallel: false), flop: attFlop);
        Report("Attention prefill 1 thread again", () => Attention.Forward(q, k, v, outp, 1, t, t, h, kv, hd, default, false, 0, 0.125f, parallel: false), flop: attFlop);
        Report("Attention decode 1 x 256 keys", () => Attention.Forward(q.AsSpan(0, h * hd), k, v, outp, 1, 1, t, h, kv, hd, default, false, 0, 0.125f));
        var crossKv = R(t * 2 * kv * hd);
        var crossHalf = crossKv.Select(f => BitConverter.HalfToUInt16Bits((Half)f)).ToArray();
        var crossValid = Enumerable.Repeat(true, t).ToArray();
        var qStep = R(h * hd);
        Report("Attention cross step 1 x 256 keys f32 (general)", () => Attention.Forward(qStep, crossKv, crossKv.AsSpan(kv * hd), outp, 1, 1, t, h, kv, hd, crossValid, false, 0, 0.125f));
        Report("DecodeAttention cross step 1 x 256 keys f32", () => CrossStep(false));
        Report("DecodeAttention cross step 1 x 256 keys f16", () => CrossStep(true));
        unsafe void CrossStep(bool half)
        {
            fixed (float* pq = qStep, pkv = crossKv, po = outp)
            fixed (ushort* ph = crossHalf)
            fixed (bool* pm = crossValid)
            {
                if (half) DecodeAttention.Forward(pq, 0, ph, ph + kv * hd, 2 * kv * hd, 0, po, 0, 1, t, h, kv, hd, pm, 0.125f);
                else DecodeAttention.Forward(pq, 0, pkv, pkv + kv * hd, 2 * kv * hd, 0, po, 0, 1, t, h, kv, hd, pm, 0.125f);
            }
        }
        var sc = new float[t * t];
        Report("  scores GEMM 256x256x64 transB (1 head)", () => Gemm.MatMul(q, h * hd, false, k, kv * hd, true, sc, t, t, t, hd, parallel: false), flop: 2.0 * t * t * hd);
        Report("  PV GEMM 256x64x256 (1 head)", () => Gemm.MatMul(sc, t, false, v, kv * hd, false, outp, h * hd, t, hd, t, parallel: false), flop: 2.0 * t * t * hd);
        Report("  softmax 256 rows x 256 (1 head)", () => Softmax.Forward(sc, t, t));
        var xs = R(t * 512); var g = R(512);
        Report("ZcRmsNorm 256x512", () => ZcRmsNorm.Forward(xs, g, xs, t, 512));
        var table = new RopeTable(64, 10000, 1024);
        Report("Rope 256 tok x 12 heads", () => Rope.Forward(xs.AsSpan(0, t * 12 * 64 / 2 * 1), t, 6, 0, table));
        var a = R(t * 512); var wq = R(512 * 1024); var c = new float[t * 1024];
        Report("GEMM 256x1024x512", () => Gemm.MatMul(a, wq, c, t, 1024, 512), flop: 2.0 * t * 1024 * 512);
        var h64 = R(64 * 512); var logits = new float[64 * 8192];
        var packedE = new GemmPackedB(emb, 512, 8192, transB: true);
        Report("GEMM 64x8192x512 transB (logits) 1 thread", () => Gemm.MatMul(h64, emb, logits, 64, 8192, 512, transB: true, parallel: false), flop: 2.0 * 64 * 8192 * 512);
        Report("GEMM 64x8192x512 prepacked B 1 thread", () => Gemm.MatMul(h64, packedE, logits, 64, parallel: false), flop: 2.0 * 64 * 8192 * 512);
        var packedQ = new GemmPackedB(wq, 512, 1024);
        Report("GEMM 256x1024x512 1 thread", () => Gemm.MatMul(a, wq, c, t, 1024, 512, parallel: false), flop: 2.0 * t * 1024 * 512);
        Report("GEMM 256x1024x512 prepacked B 1 thread", () => Gemm.MatMul(a, packedQ, c, t, parallel: false), flop: 2.0 * t * 1024 * 512);
        TrainingGemms(Report, R);
        TrainingAttention(Report, R);
        return Task.FromResult(0);
    }

    /// <summary>The projection GEMMs of a training step at B=16 × 256 encoder tokens (rows 4096, d 512): forward
    /// x·W, backward dX = dY·Wᵀ and dW += Xᵀ·dY (long K), 2 threads.</summary>
    private static void TrainingAttention(Action<string, Action, double, double> report, Func<int, float[]> r) =>
        TrainingAttentionBench.Run(report, r);

    private static void TrainingGemms(Action<string, Action, double, double> report, Func<int, float[]> r)
    {
        const int n = 4096, d = 512, q = 512, qkv = 1024;
        var x = r(n * d); var w = r(d * qkv); var y = new float[n * qkv]; var dy = r(n * qkv); var dx = new float[n * d]; var dw = new float[d * qkv];
        report("train GEMM fwd 4096x1024x512", () => Gemm.MatMul(x, w, y, n, qkv, d), 0, 2.0 * n * qkv * d);
        report("train GEMM fwd 4096x512x512", () => Gemm.MatMul(x, w, y, n, q, d), 0, 2.0 * n * q * d);
        report("train GEMM dX 4096x512x1024 transB", () => Gemm.MatMul(dy, w, dx, n, d, qkv, transB: true), 0, 2.0 * n * qkv * d);
        report("train GEMM dX 4096x512x512 transB ld", () => Gemm.MatMul(dy, qkv, false, w, qkv, true, dx, d, n, d, q), 0, 2.0 * n * q * d);
        report("train GEMM dW 512x1024x4096 transA acc", () => Gemm.MatMul(x, dy, dw, d, qkv, n, transA: true, accumulate: true), 0, 2.0 * n * qkv * d);
        report("train GEMM dW 512x512x4096 transA acc ld", () => Gemm.MatMul(x, d, true, dy, qkv, false, dw, q, d, q, n, accumulate: true), 0, 2.0 * n * q * d);
        // Q, K, V projections as three products into one (N, 1024) buffer, as the training forward does them now.
        var wq = r(d * q); var wk = r(d * 256); var wv = r(d * 256);
        report("train GEMM qkv as 3 products", () =>
        {
            Gemm.MatMul(x, d, false, wq, q, false, y, qkv, n, q, d);
            Gemm.MatMul(x, d, false, wk, 256, false, y.AsSpan(q), qkv, n, 256, d);
            Gemm.MatMul(x, d, false, wv, 256, false, y.AsSpan(q + 256), qkv, n, 256, d);
        }, 0, 2.0 * n * qkv * d);
        report("train GEMM dX qkv as 3 products", () =>
        {
            Gemm.MatMul(dy, qkv, false, wq, q, true, dx, d, n, d, q);
            Gemm.MatMul(dy.AsSpan(q), qkv, false, wk, 256, true, dx, d, n, d, 256, accumulate: true);
            Gemm.MatMul(dy.AsSpan(q + 256), qkv, false, wv, 256, true, dx, d, n, d, 256, accumulate: true);
        }, 0, 2.0 * n * qkv * d);
        report("train GEMM NS 512x512x512", () => Gemm.MatMul(x, w, y, d, d, d), 0, 2.0 * d * d * d);
        report("train GEMM NS X·Xᵀ symmetric 512x512x512", () => Gemm.MultiplyByTranspose(x, y, d, d), 0, 2.0 * d * d * d);
        // Newton–Schulz on one (512, 512) and one (512, 256) slice: the generic loop (three full products through
        // IMatMul) vs the engine's (symmetric products, fused accumulate); flop counted as the generic loop's.
        var generic = new DelegatingMatMul();
        var o = new float[d * d];
        report("train NS5 512x512 generic", () => Needle.Core.Training.NewtonSchulz.Orthogonalize(x.AsSpan(0, d * d), d, d, generic), 0, 5 * 3 * 2.0 * d * d * d);
        report("train NS5 512x512 engine 1 thread", () => Needle.Core.Training.NewtonSchulz.OrthogonalizeInto(x.AsSpan(0, d * d), d, d, o), 0, 5 * 3 * 2.0 * d * d * d);
        report("train NS5 512x256 generic", () => Needle.Core.Training.NewtonSchulz.Orthogonalize(x.AsSpan(0, d * 256), d, 256, generic), 0, 5 * 2.0 * (2.0 * 256 * 256 * d + 256.0 * 256 * 256));
        report("train NS5 512x256 engine 1 thread", () => Needle.Core.Training.NewtonSchulz.OrthogonalizeInto(x.AsSpan(0, d * 256), d, 256, o.AsSpan(0, d * 256)), 0, 5 * 2.0 * (2.0 * 256 * 256 * d + 256.0 * 256 * 256));
    }
}

/// <summary>Encoder self-attention of a training step (B=16, T=256, 8 heads / 4 KV, hd 64, one segment per row)
/// forward and backward, with and without the saved per-row logsumexp.</summary>
internal static unsafe class TrainingAttentionBench
{
    public static void Run(Action<string, Action, double, double> report, Func<int, float[]> r)
    {
        const int b = 16, t = 256, h = 8, kv = 4, hd = 64, qkv = (h + 2 * kv) * hd;
        var buf = r(b * t * qkv); var o = new float[b * t * h * hd]; var dO = r(b * t * h * hd);
        var dqkv = new float[b * t * qkv]; var lse = new float[b * h * t]; var seg = Enumerable.Repeat(1, b * t).ToArray();
        var flopF = 4.0 * b * h * t * t * hd;
        void Go(bool backward, bool withLse)
        {
            fixed (float* p = buf, po = o, pdo = dO, pd = dqkv, pl = lse)
            fixed (int* ps = seg)
            {
                var a = new SegmentAttention.Args
                {
                    Q = p, K = p + h * hd, V = p + (h + kv) * hd, O = backward ? pdo : po, QSeg = ps, KSeg = ps,
                    DQ = pd, DK = pd + h * hd, DV = pd + (h + kv) * hd, Lse = withLse ? pl : null,
                    S = new AttentionStrides(qkv, (long)t * qkv, qkv, (long)t * qkv, qkv, (long)t * qkv, h * hd, (long)t * h * hd),
                    Batch = b, Tq = t, Tk = t, Heads = h, KvHeads = kv, HeadDim = hd, Causal = false, Scale = 0.125f,
                };
                if (backward) SegmentAttention.Backward(a); else SegmentAttention.Forward(a);
            }
        }
        Go(false, true);
        report("train attention fwd B16 T256", () => Go(false, false), 0, flopF);
        report("train attention fwd B16 T256 +lse", () => Go(false, true), 0, flopF);
        report("train attention bwd B16 T256", () => Go(true, false), 0, 2.5 * flopF);
        report("train attention bwd B16 T256 from lse", () => Go(true, true), 0, 2.5 * flopF);
    }
}

/// <summary>Routes Newton–Schulz through the generic IMatMul loop (anything but KernelMatMul itself).</summary>
internal sealed class DelegatingMatMul : Needle.Core.Training.IMatMul
{
    public void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n) =>
        Needle.Core.Training.KernelMatMul.Instance.MatMul(a, b, c, m, k, n);
}
