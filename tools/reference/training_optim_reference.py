#!/usr/bin/python3
"""Golden values for Needle.Core Training/ optimizer math, written in float32 numpy from optax's definitions as
upstream chains them (needle-model.md §5.4, §5.5): clip_by_global_norm(1.0) -> multi_transform(muon | adamw),
WSD schedules via join_schedules, Muon = NS5 then Nesterov momentum + decoupled WD, int4/int8 fake quantization.

Run with Debian's python:  /usr/bin/python3 tools/reference/training_optim_reference.py
Writes tests/Needle.Core.Tests/Fixtures/Training/optim_reference.json
"""
import json
import math
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "Needle.Core.Tests", "Fixtures", "Training", "optim_reference.json")
f32 = np.float32


def wsd(peak, total, warmup_ratio=0.05, decay_ratio=0.05):
    W = max(1, int(total * warmup_ratio))
    K = max(1, int(total * decay_ratio))
    S = total - W - K

    def linear(t):          # optax.linear_schedule(0, peak, W)
        count = min(max(t, 0), W)
        return (0.0 - peak) * (1 - count / W) + peak

    def cosine(t):          # optax.cosine_decay_schedule(peak, K, alpha=0.05)
        count = min(t, K)
        c = 0.5 * (1 + math.cos(math.pi * count / K))
        return peak * ((1 - 0.05) * c + 0.05)

    def at(t):              # optax.join_schedules: each later boundary overrides
        out = linear(t)
        if t >= W:
            out = peak
        if t >= W + S:
            out = cosine(t - (W + S))
        return out
    return at


def newton_schulz(G, steps=5):
    a, b, c = f32(3.4445), f32(-4.7750), f32(2.0315)
    G = G.astype(f32)
    X = G / (f32(np.sqrt(np.sum(G.astype(np.float64) ** 2))) + f32(1e-7))
    tr = G.shape[0] > G.shape[1]
    if tr:
        X = X.T
    for _ in range(steps):
        A = X @ X.T
        B = b * A + c * (A @ A)
        X = a * X + B @ X
    return (X.T if tr else X).astype(f32)


def ortho(g):
    if g.ndim == 3:
        return np.stack([newton_schulz(s) for s in g])
    if g.ndim == 2:
        return newton_schulz(g)
    return g


def label(path, shape):
    return "muon" if path.split("/")[-1] == "kernel" and len(shape) in (2, 3) else "adam"


def fake_quant(w, bits):
    qmax = 7 if bits == 4 else 127

    def q2(k):
        rows, cols = k.shape
        gs = min(32, rows)
        pad = (-rows) % gs
        kp = np.concatenate([k, np.zeros((pad, cols), f32)]) if pad else k
        g = kp.reshape(-1, gs, cols)
        scale = np.maximum(np.max(np.abs(g), axis=1, keepdims=True) / f32(qmax), f32(1e-8))
        q = np.clip(np.round(g / scale), -qmax - 1, qmax) * scale
        return q.reshape(-1, cols)[:rows].astype(f32)
    return np.stack([q2(s) for s in w]) if w.ndim == 3 else q2(w)


def main():
    rng = np.random.RandomState(1234)
    shapes = {
        "embedding/embedding": (10, 6),
        "encoder/layers/EncoderBlock_0/self_attn/q_proj/kernel": (2, 6, 4),
        "encoder/layers/EncoderBlock_0/self_attn/k_proj/kernel": (2, 4, 6),
        "encoder/final_norm/scale": (6,),
        "contrastive_hidden/kernel": (6, 3),
        "contrastive_hidden/bias": (3,),
        "contrastive_proj/kernel": (3, 3),
        "log_temp": (),
    }
    params = {k: rng.normal(0, 0.5, s).astype(f32) for k, s in shapes.items()}
    init = {k: v.copy() for k, v in params.items()}
    total = 5
    adam_lr, muon_lr = wsd(3e-5, total), wsd(0.02, total)
    m_adam = {k: np.zeros_like(v) for k, v in params.items()}
    v_adam = {k: np.zeros_like(v) for k, v in params.items()}
    mu = {k: np.zeros_like(v) for k, v in params.items()}
    steps = []
    for t in range(3):
        scale = 3.0 if t == 1 else 0.05        # step 1 is clipped, the others are not
        grads = {k: (rng.normal(0, 1, s) * scale).astype(f32) for k, s in shapes.items()}
        raw = {k: v.copy() for k, v in grads.items()}
        gnorm = math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values()))
        if gnorm >= 1.0:
            grads = {k: (g / f32(gnorm)) * f32(1.0) for k, g in grads.items()}
        la, lm = f32(adam_lr(t)), f32(muon_lr(t))
        for k in params:
            g = grads[k]
            if label(k, shapes[k]) == "muon":
                o = ortho(g)
                mu[k] = f32(0.95) * mu[k] + o
                u = o + f32(0.95) * mu[k]
                u = u + f32(0.01) * params[k]
                params[k] = (params[k] - lm * u).astype(f32)
            else:
                b1, b2, eps = f32(0.9), f32(0.95), f32(1e-8)
                m_adam[k] = b1 * m_adam[k] + (f32(1) - b1) * g
                v_adam[k] = b2 * v_adam[k] + (f32(1) - b2) * g * g
                mh = m_adam[k] / (f32(1) - b1 ** (t + 1))
                vh = v_adam[k] / (f32(1) - b2 ** (t + 1))
                params[k] = (params[k] - la * (mh / (np.sqrt(vh) + eps))).astype(f32)
        steps.append({"grads": {k: g.reshape(-1).tolist() for k, g in raw.items()}, "grad_norm": gnorm,
                      "adam_lr": adam_lr(t), "muon_lr": muon_lr(t),
                      "params": {k: v.reshape(-1).tolist() for k, v in params.items()}})

    ns_in = rng.normal(0, 1, (5, 8)).astype(f32)
    schedules = [{"total": n, "peak": 0.02, "lrs": [wsd(0.02, n)(t) for t in range(n + 2)]}
                 for n in (1, 2, 3, 5, 20, 37, 200, 1000)]
    q_in = {"(2, 40, 5)": rng.normal(0, 1, (2, 40, 5)).astype(f32), "(5, 3)": rng.normal(0, 1, (5, 3)).astype(f32),
            "(64, 2)": (rng.normal(0, 1, (64, 2)) * np.array([1.0, 0.0])).astype(f32)}
    data = {
        "optimizer": {"shapes": {k: list(s) for k, s in shapes.items()}, "total_steps": total,
                      "init": {k: v.reshape(-1).tolist() for k, v in init.items()}, "steps": steps},
        "newton_schulz": {"input": ns_in.reshape(-1).tolist(), "rows": 5, "cols": 8,
                          "output": newton_schulz(ns_in).reshape(-1).tolist(),
                          "output_t": newton_schulz(ns_in.T.copy()).reshape(-1).tolist()},
        "schedules": schedules,
        "fake_quant": [{"shape": [int(x) for x in k.strip("()").split(",") if x.strip()], "input": v.reshape(-1).tolist(),
                        "int4": fake_quant(v, 4).reshape(-1).tolist(), "int8": fake_quant(v, 8).reshape(-1).tolist()}
                       for k, v in q_in.items()],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
