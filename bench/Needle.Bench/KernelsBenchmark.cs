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
            var extra = bytes > 0 ? $" {bytes / best / 1e9,7:F1} GB/s (best)" : flop > 0 ? $" {flop / best / 1e9,7:F1} GFLOP/s (best)" : "";
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
        return Task.FromResult(0);
    }
}
