#!/usr/bin/python3
"""Golden values for Needle.Core Training/ TextLoss and ClipLoss: the formulas of needle-model.md §4.1–4.3 written
in PyTorch (Debian python3-torch) with autograd for the gradients.

Run with Debian's python:  /usr/bin/python3 tools/reference/training_loss_reference.py
Writes tests/Needle.Core.Tests/Fixtures/Training/loss_reference.json
"""
import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "Needle.Core.Tests", "Fixtures", "Training", "loss_reference.json")


def main():
    g = torch.Generator().manual_seed(7)
    B, T, V = 2, 6, 11
    logits = (torch.randn(B * T, V, generator=g, dtype=torch.float64) * 3).float()
    targets = torch.randint(0, V, (B * T,), generator=g)
    classes = torch.randint(0, 4, (B * T,), generator=g)
    seg = torch.tensor([1, 1, 1, 2, 2, 0, 1, 1, 1, 1, 0, 0])
    wmap = torch.tensor([1.0, 2.0, 4.0, 1.5], dtype=torch.float64)

    x = logits.double().requires_grad_(True)
    lse = torch.logsumexp(x, dim=-1)
    ce_t = lse - x[torch.arange(B * T), targets]
    pad = (seg > 0).double()
    ce = (ce_t * wmap[classes] * pad).sum() / max(pad.sum().item(), 1.0)
    z = 1e-4 * (lse ** 2).mean()
    loss = ce + z
    loss.backward()
    val_sum = float((ce_t * pad).sum())

    Bc, D = 4, 5
    q = torch.nn.functional.normalize(torch.randn(Bc, D, generator=g, dtype=torch.float64), dim=-1).float()
    t = torch.nn.functional.normalize(torch.randn(Bc, D, generator=g, dtype=torch.float64), dim=-1).float()
    clip_cases = []
    for lt in (math.log(1 / 0.07), -5.0):
        qq = q.double().requires_grad_(True)
        tt = t.double().requires_grad_(True)
        ltv = torch.tensor(lt, dtype=torch.float64, requires_grad=True)
        temp = torch.exp(torch.clamp(ltv, -math.log(100.0), math.log(100.0)))
        S = qq @ tt.T / temp
        labels = torch.arange(Bc)
        L = (torch.nn.functional.cross_entropy(S, labels) + torch.nn.functional.cross_entropy(S.T, labels)) / 2
        L.backward()
        clip_cases.append({"log_temp": lt, "loss": L.item(), "dq": qq.grad.reshape(-1).tolist(),
                           "dt": tt.grad.reshape(-1).tolist(), "dlog_temp": ltv.grad.item()})

    data = {
        "text": {"vocab": V, "logits": logits.reshape(-1).tolist(), "targets": targets.tolist(), "classes": classes.tolist(),
                 "seg": seg.tolist(), "loss": loss.item(), "ce": ce.item(), "z": z.item(),
                 "dlogits": x.grad.reshape(-1).tolist(), "val_loss_sum": val_sum, "val_tokens": int(pad.sum().item())},
        "clip": {"batch": Bc, "dim": D, "q": q.reshape(-1).tolist(), "t": t.reshape(-1).tolist(), "cases": clip_cases},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
