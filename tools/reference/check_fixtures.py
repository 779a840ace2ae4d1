#!/usr/bin/python3
"""Cross-checks the forward goldens with a second, plain-numpy float64 implementation written per head with explicit
loops (and shows how to read the fixture formats). Usage: /usr/bin/python3 tools/reference/check_fixtures.py"""
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
    E = leaf(P, "embedding/embedding")
    enc_pre, dec_pre = "encoder/layers/EncoderBlock_0/", "decoder/layers/DecoderBlock_0/"
    key_ok = np.broadcast_to(src != 0, (len(src), len(src)))
    x = E[src] * np.sqrt(c["d_model"])
    for l in range(c["num_encoder_layers"]):
        hn = norm(x, leaf(P, enc_pre + "ZCRMSNorm_0/scale")[l])
        x = x + sig(leaf(P, enc_pre + "attn_gate")[l]) * attn(P, enc_pre + "self_attn/", l, c, hn, hn, key_ok, True)
    enc = norm(x, leaf(P, "encoder/final_norm/scale"))
    y = E[tgt] * np.sqrt(c["d_model"])
    causal = np.tril(np.ones((len(tgt), len(tgt)), bool))
    cross_ok = np.broadcast_to(src != 0, (len(tgt), len(src)))
    for l in range(c["num_decoder_layers"]):
        hn = norm(y, leaf(P, dec_pre + "ZCRMSNorm_0/scale")[l])
        y = y + sig(leaf(P, dec_pre + "self_attn_gate")[l]) * attn(P, dec_pre + "self_attn/", l, c, hn, hn, causal, True)
        hn = norm(y, leaf(P, dec_pre + "ZCRMSNorm_1/scale")[l])
        y = y + sig(leaf(P, dec_pre + "cross_attn_gate")[l]) * attn(P, dec_pre + "cross_attn/", l, c, hn, enc, cross_ok,
                                                                   False)
    logits = norm(y, leaf(P, "decoder/ZCRMSNorm_0/scale")) @ E.T
    keep = src != 0
    pooled = enc[keep].sum(0) / max(keep.sum(), 1)
    hid = np.maximum(pooled @ leaf(P, "contrastive_hidden/kernel") + leaf(P, "contrastive_hidden/bias"), 0)
    v = hid @ leaf(P, "contrastive_proj/kernel")
    return enc, logits, v / np.sqrt((v * v).sum() + 1e-12)


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


if __name__ == "__main__":
    main()
