"""Brief training of a tiny Needle on the toy data, so greedy decoding yields real-looking tool calls.
Not a golden itself (plain torch AdamW, one example per row); it only produces the 'trained' checkpoint."""
import math
import random

import torch

from . import checkpoint, train_step
from .pipeline import build_example


def pad_batch(examples):
    te = max(len(e["enc"]) for e in examples)
    td = max(len(e["dec_in"]) for e in examples)
    b = {k: torch.zeros(len(examples), te if k.startswith("enc") else td, dtype=torch.long)
         for k in ("enc", "enc_seg", "dec_in", "dec_tgt", "loss_class", "dec_seg")}
    for i, e in enumerate(examples):
        le, ld = len(e["enc"]), len(e["dec_in"])
        b["enc"][i, :le] = torch.tensor(e["enc"]); b["enc_seg"][i, :le] = 1
        b["dec_in"][i, :ld] = torch.tensor(e["dec_in"]); b["dec_tgt"][i, :ld] = torch.tensor(e["dec_tgt"])
        b["loss_class"][i, :ld] = torch.tensor(e["loss_class"]); b["dec_seg"][i, :ld] = 1
    return b


def train_toy(sp, rows, cfg, steps, batch_size, seed, lr=3e-3, log=print):
    torch.manual_seed(seed)
    params = checkpoint.init_params(cfg, seed)
    examples = [e for e in (build_example(sp, r, i) for i, r in enumerate(rows)) if e is not None]
    leaves = list(params.values())
    for t in leaves:
        t.requires_grad_(True)
    opt = torch.optim.AdamW(leaves, lr=lr, betas=(0.9, 0.98), weight_decay=0.0)
    rng = random.Random(seed)
    warm = max(1, steps // 20)
    for step in range(steps):
        cur = lr * min(1.0, (step + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        for g in opt.param_groups:
            g["lr"] = cur
        batch = pad_batch(rng.sample(examples, batch_size))
        loss, ce, _ = train_step.text_loss(params, cfg, batch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(leaves, 1.0)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            log(f"  toy train step {step}: loss {float(loss):.4f} (ce {float(ce):.4f})")
    return {k: v.detach() for k, v in params.items()}
