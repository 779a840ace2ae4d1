"""Text loss (section 4.1) and the optimizer (section 5.4): global-norm clip 1.0, Muon (NS5, orthogonalize then
Nesterov momentum, decoupled WD times the schedule) for 2D/3D kernels, AdamW for the rest, WSD schedules."""
import math

import torch

from . import model
from .pipeline import CLASS_WEIGHTS

NS_A, NS_B, NS_C = 3.4445, -4.7750, 2.0315


def text_loss(p, cfg, batch, weights=CLASS_WEIGHTS, dropout=0.0, training=False, z_coef=1e-4):
    """batch: dict of int64 tensors enc, enc_seg (B, Te), dec_in, dec_tgt, loss_class, dec_seg (B, Td).
    Returns (ce + z, ce, z). CE normalized by the non-pad token count; z-loss averaged over all B*Td positions."""
    enc_self, dec_self, cross = model.packed_masks(batch["enc_seg"], batch["dec_seg"])
    enc_out = model.encode(p, cfg, batch["enc"], enc_self, dropout, training)
    logits = model.decode(p, cfg, batch["dec_in"], enc_out, dec_self, cross, dropout, training)  # (B, Td, V)
    lse = torch.logsumexp(logits, dim=-1)  # (B, Td)
    tgt_logit = logits.gather(-1, batch["dec_tgt"][..., None])[..., 0]
    ce_t = lse - tgt_logit
    w = torch.tensor(weights, dtype=torch.float32)[batch["loss_class"]]
    pad = (batch["dec_seg"] > 0).float()
    ce = (ce_t * w * pad).sum() / torch.clamp(pad.sum(), min=1.0)
    z = z_coef * lse.pow(2).mean()
    return ce + z, ce, z


def wsd(t, total, peak, warmup_ratio=0.05, decay_ratio=0.05):
    """Warmup-stable-decay lr at update count t (t = 0 for the first update, which therefore gets lr 0)."""
    w = max(1, int(warmup_ratio * total))
    k = max(1, int(decay_ratio * total))
    s = total - w - k
    if t < w:
        return peak * t / w
    if t < w + s:
        return peak
    return peak * (0.95 * 0.5 * (1.0 + math.cos(math.pi * min(t - w - s, k) / k)) + 0.05)


def newton_schulz5(g):
    """Orthogonalize one 2-D matrix: X = G/(||G||_F + 1e-7), made wide (transpose if rows > cols), 5 iterations of
    A = X X^T; B = b A + c A A; X = a X + B X, transposed back. float32."""
    x = g.float()
    x = x / (torch.linalg.norm(x) + 1e-7)
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    for _ in range(5):
        a = x @ x.T
        b = NS_B * a + NS_C * (a @ a)
        x = NS_A * x + b @ x
    return x.T if tall else x


def orthogonalize(g):
    """2-D: NS5; 3-D (stacked layers): NS5 per layer slice."""
    if g.dim() == 2:
        return newton_schulz5(g)
    return torch.stack([newton_schulz5(g[i]) for i in range(g.shape[0])])


def is_muon(path, t):
    return path.split("/")[-1] == "kernel" and t.dim() in (2, 3)


class NeedleOptimizer:
    def __init__(self, params, total_steps, adam_lr=3e-5, muon_lr=0.02, momentum=0.95, muon_wd=0.01,
                 b1=0.9, b2=0.95, eps=1e-8, adam_wd=0.0, max_norm=1.0, warmup_ratio=0.05, decay_ratio=0.05):
        self.__dict__.update(locals())
        del self.__dict__["self"], self.__dict__["params"]
        self.count = 0  # both groups step together, so one shared count
        self.state = {}
        for k, v in params.items():
            if is_muon(k, v):
                self.state[k] = {"m": torch.zeros_like(v)}
            else:
                self.state[k] = {"mu": torch.zeros_like(v), "nu": torch.zeros_like(v)}

    def lrs(self):
        t = self.count
        return (wsd(t, self.total_steps, self.adam_lr, self.warmup_ratio, self.decay_ratio),
                wsd(t, self.total_steps, self.muon_lr, self.warmup_ratio, self.decay_ratio))

    @staticmethod
    def global_norm(grads):
        return torch.sqrt(sum((g.float() ** 2).sum() for g in grads.values()))

    @torch.no_grad()
    def step(self, params, grads):
        """Updates params (dict of tensors) in place. Returns (grad global norm before clipping, adam lr, muon lr)."""
        gnorm = self.global_norm(grads)
        # optax clip_by_global_norm: g unchanged if norm < max, else g / norm * max
        scale = 1.0 if gnorm < self.max_norm else self.max_norm / gnorm
        lr_adam, lr_muon = self.lrs()
        t1 = self.count + 1
        for k, theta in params.items():
            g = grads[k] * scale
            st = self.state[k]
            if "m" in st:
                o = orthogonalize(g)
                st["m"] = self.momentum * st["m"] + o
                u = o + self.momentum * st["m"]
                u = u + self.muon_wd * theta
                theta -= lr_muon * u
            else:
                st["mu"] = self.b1 * st["mu"] + (1 - self.b1) * g
                st["nu"] = self.b2 * st["nu"] + (1 - self.b2) * g * g
                mhat = st["mu"] / (1 - self.b1 ** t1)
                vhat = st["nu"] / (1 - self.b2 ** t1)
                u = mhat / (torch.sqrt(vhat) + self.eps) + self.adam_wd * theta
                theta -= lr_adam * u
        self.count += 1
        return float(gnorm), lr_adam, lr_muon
