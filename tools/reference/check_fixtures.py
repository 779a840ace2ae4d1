#!/usr/bin/python3
"""Cross-checks the goldens with a second, plain-numpy float64 implementation (per-head loops): forward outputs,
the train-step loss, and an optimizer replay (torch autograd grads + numpy clip/Muon/AdamW/WSD). Also shows how to read
the fixture formats. Usage: /usr/bin/python3 tools/reference/check_fixtures.py"""
import json
import os
import pickle

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "Needle.Core.Tests", "Fixtures",
                   "Model")


def load_bin(entry):
    return np.fromfile(os.path.join(OUT, entry["file"]), dtype="<f4").reshape(entry["shape"])


def leaf(tree, path):
    for k in path.split("/"):
        tree = tree[k]
    return np.asarray(tree, dtype=np.float64)


def norm(x, g):
    return (1 + g) * x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6)


def rot(x, theta):  # x (T, hd)
    t_len, hd = x.shape
    out = np.empty_like(x)
    for t in range(t_len):
        for i in range(hd // 2):
            a = t * (1.0 / theta ** (2 * i / hd))
            x1, x2 = x[t, i], x[t, i + hd // 2]
            out[t, i] = x1 * np.cos(a) - x2 * np.sin(a)
            out[t, i + hd // 2] = x2 * np.cos(a) + x1 * np.sin(a)
    return out


def attn(P, pre, l, c, xq, xkv, allowed, use_rope):
    """xq (Tq, D), xkv (Tk, D), allowed (Tq, Tk) bool."""
    h, kvh = c["num_heads"], c["num_kv_heads"]
    hd = c["d_model"] // h
    q = xq @ leaf(P, pre + "q_proj/kernel")[l]
    k = xkv @ leaf(P, pre + "k_proj/kernel")[l]
    v = xkv @ leaf(P, pre + "v_proj/kernel")[l]
    heads = []
    for hh in range(h):
        j = hh // (h // kvh)
        qh = norm(q[:, hh * hd:(hh + 1) * hd], leaf(P, pre + "q_norm/scale")[l])
        kh = norm(k[:, j * hd:(j + 1) * hd], leaf(P, pre + "k_norm/scale")[l])
        if use_rope:
            qh, kh = rot(qh, c["rope_theta"]), rot(kh, c["rope_theta"])
        s = qh @ kh.T / np.sqrt(hd)
        s = np.where(allowed, s, np.finfo(np.float32).min)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        heads.append(s @ v[:, j * hd:(j + 1) * hd])
    return np.concatenate(heads, -1) @ leaf(P, pre + "out_proj/kernel")[l]


def sig(x):
    return 1 / (1 + np.exp(-x))


def run(P, c, src, tgt):
    key_ok = np.broadcast_to(src != 0, (len(src), len(src)))
    causal = np.tril(np.ones((len(tgt), len(tgt)), bool))
    cross_ok = np.broadcast_to(src != 0, (len(tgt), len(src)))
    enc, logits = run_masked(P, c, src, tgt, key_ok, causal, cross_ok)
    keep = src != 0
    pooled = enc[keep].sum(0) / max(keep.sum(), 1)
    hid = np.maximum(pooled @ leaf(P, "contrastive_hidden/kernel") + leaf(P, "contrastive_hidden/bias"), 0)
    v = hid @ leaf(P, "contrastive_proj/kernel")
    return enc, logits, v / np.sqrt((v * v).sum() + 1e-12)


def run_masked(P, c, src, tgt, key_ok, causal, cross_ok):
    E = leaf(P, "embedding/embedding")
    enc_pre, dec_pre = "encoder/layers/EncoderBlock_0/", "decoder/layers/DecoderBlock_0/"
    x = E[src] * np.sqrt(c["d_model"])
    for l in range(c["num_encoder_layers"]):
        hn = norm(x, leaf(P, enc_pre + "ZCRMSNorm_0/scale")[l])
        x = x + sig(leaf(P, enc_pre + "attn_gate")[l]) * attn(P, enc_pre + "self_attn/", l, c, hn, hn, key_ok, True)
    enc = norm(x, leaf(P, "encoder/final_norm/scale"))
    y = E[tgt] * np.sqrt(c["d_model"])
    for l in range(c["num_decoder_layers"]):
        hn = norm(y, leaf(P, dec_pre + "ZCRMSNorm_0/scale")[l])
        y = y + sig(leaf(P, dec_pre + "self_attn_gate")[l]) * attn(P, dec_pre + "self_attn/", l, c, hn, hn, causal, True)
        hn = norm(y, leaf(P, dec_pre + "ZCRMSNorm_1/scale")[l])
        y = y + sig(leaf(P, dec_pre + "cross_attn_gate")[l]) * attn(P, dec_pre + "cross_attn/", l, c, hn, enc, cross_ok,
                                                                   False)
    return enc, norm(y, leaf(P, "decoder/ZCRMSNorm_0/scale")) @ E.T


def packed_loss(P, c, packed, weights):
    """Section 4.1 over a packed batch: sum(CE * w * pad) / max(sum(pad), 1) + 1e-4 * mean(lse^2) over all positions."""
    ce_sum, n_tok, z_sum, n_all = 0.0, 0, 0.0, 0
    for b in range(len(packed["enc"])):
        es, ds = np.array(packed["enc_seg"][b]), np.array(packed["dec_seg"][b])
        enc_ok = (es[:, None] == es[None, :]) & (es[:, None] > 0)
        dec_ok = (ds[:, None] == ds[None, :]) & (ds[:, None] > 0) & np.tril(np.ones((len(ds), len(ds)), bool))
        cross_ok = (ds[:, None] == es[None, :]) & (ds[:, None] > 0)
        _, logits = run_masked(P, c, np.array(packed["enc"][b]), np.array(packed["dec_in"][b]), enc_ok, dec_ok,
                               cross_ok)
        m = logits.max(-1, keepdims=True)
        lse = (m + np.log(np.exp(logits - m).sum(-1, keepdims=True)))[:, 0]
        tgt = np.array(packed["dec_tgt"][b])
        ce = lse - logits[np.arange(len(tgt)), tgt]
        w = np.array(weights)[np.array(packed["loss_class"][b])]
        ce_sum += (ce * w * (ds > 0)).sum()
        n_tok += int((ds > 0).sum())
        z_sum += (lse ** 2).sum()
        n_all += len(ds)
    ce = ce_sum / max(n_tok, 1)
    z = 1e-4 * z_sum / n_all
    return ce + z, ce, z


def main():
    worst = 0.0
    for man in ("forward.json", "forward_trained.json"):
        for case in json.load(open(os.path.join(OUT, man)))["cases"]:
            with open(os.path.join(OUT, case["checkpoint"]), "rb") as f:
                P = pickle.load(f)["params"]
            c = case["config"]
            want = {k: load_bin(case[k]) for k in ("enc_out", "logits", "contrastive")}
            for b, (src, tgt) in enumerate(zip(case["enc_ids"], case["dec_ids"])):
                enc, logits, emb = run(P, c, np.array(src), np.array(tgt))
                for name, got in (("enc_out", enc), ("logits", logits), ("contrastive", emb)):
                    err = np.abs(got - want[name][b]).max() / (np.abs(want[name][b]).max() + 1e-9)
                    worst = max(worst, err)
                    assert err < 1e-4, (case["name"], b, name, err)
            print(f"{case['name']}: ok")
    print(f"worst relative error vs float64 numpy: {worst:.2e}")
    ts = json.load(open(os.path.join(OUT, "train_step.json")))
    for step, ck in ((0, ts["start_checkpoint"]), (2, ts["params_after"]["2"])):
        with open(os.path.join(OUT, ck), "rb") as f:
            obj = pickle.load(f)
        c = dict(rope_theta=10000.0, **obj["config"])
        loss, ce, z = packed_loss(obj["params"], c, ts["packed"], ts["class_weights"])
        want = ts["steps"][step]
        for name, got in (("loss", loss), ("ce", ce), ("z_loss", z)):
            err = abs(got - want[name]) / abs(want[name])
            assert err < 1e-5, (step, name, got, want[name])
        print(f"train_step loss at step {step} ({ck}): ok ({loss:.6f} vs {want['loss']:.6f})")



def ns5_np(g):
    x = g / (np.linalg.norm(g) + 1e-7)
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    for _ in range(5):
        a = x @ x.T
        x = 3.4445 * x + (-4.7750 * a + 2.0315 * a @ a) @ x
    return x.T if tall else x


def check_optimizer():
    """Replays the train-step golden with torch autograd gradients (loss checked above) and a separate float64
    numpy optimizer (clip, Muon, AdamW, WSD), then compares with train_step_after{2,3}.pkl."""
    import math
    import sys

    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from needle_ref import checkpoint, train_step

    ts = json.load(open(os.path.join(OUT, "train_step.json")))
    o = ts["optimizer"]
    params, cfg = checkpoint.load_checkpoint(os.path.join(OUT, ts["start_checkpoint"]))
    batch = {k: torch.tensor(v) for k, v in ts["packed"].items()}
    theta = {k: v.double().numpy().copy() for k, v in params.items()}
    state = {k: [np.zeros_like(v), np.zeros_like(v)] for k, v in theta.items()}

    def lr(t, peak):
        total = o["total_steps"]
        w, k = max(1, int(0.05 * total)), max(1, int(0.05 * total))
        s = total - w - k
        if t < w:
            return peak * t / w
        if t < w + s:
            return peak
        return peak * (0.95 * 0.5 * (1 + math.cos(math.pi * min(t - w - s, k) / k)) + 0.05)

    for t in range(len(ts["steps"])):
        p = {k: torch.tensor(v, dtype=torch.float32, requires_grad=True) for k, v in theta.items()}
        loss, _, _ = train_step.text_loss(p, cfg, batch)
        gs = torch.autograd.grad(loss, list(p.values()), allow_unused=True)
        grads = {k: np.zeros_like(theta[k]) if g is None else g.double().numpy() for k, g in zip(p, gs)}
        gn = math.sqrt(sum((g * g).sum() for g in grads.values()))
        assert abs(gn - ts["steps"][t]["grad_norm"]) / gn < 1e-4, (t, gn)
        clip = 1.0 if gn < o["max_grad_norm"] else o["max_grad_norm"] / gn
        for k in theta:
            g = grads[k] * clip
            if k.endswith("kernel") and g.ndim in (2, 3):
                orth = ns5_np(g) if g.ndim == 2 else np.stack([ns5_np(s) for s in g])
                state[k][0] = o["muon_momentum"] * state[k][0] + orth
                u = orth + o["muon_momentum"] * state[k][0] + o["muon_weight_decay"] * theta[k]
                theta[k] = theta[k] - lr(t, o["muon_lr"]) * u
            else:
                m, v = state[k]
                m = o["adam_b1"] * m + (1 - o["adam_b1"]) * g
                v = o["adam_b2"] * v + (1 - o["adam_b2"]) * g * g
                state[k] = [m, v]
                mh, vh = m / (1 - o["adam_b1"] ** (t + 1)), v / (1 - o["adam_b2"] ** (t + 1))
                theta[k] = theta[k] - lr(t, o["adam_lr"]) * mh / (np.sqrt(vh) + o["adam_eps"])
        name = ts["params_after"].get(str(t + 1))
        if name:
            want, _ = checkpoint.load_checkpoint(os.path.join(OUT, name))
            worst = max(np.abs(theta[k] - want[k].double().numpy()).max() for k in theta)
            assert worst < 1e-5, (name, worst)
            print(f"optimizer replay vs {name}: ok (max abs diff {worst:.1e})")


if __name__ == "__main__":
    main()
    check_optimizer()
