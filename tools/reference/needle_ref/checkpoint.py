"""Needle checkpoint (.pkl) IO and parameter init (needle-model.md section 1 and section 2 'Initialization').

Params live in this package as a flat dict: '/'-joined path -> torch.float32 tensor.
On disk: pickle.dump({"params": nested dict (sorted keys) of numpy arrays, "config": dict}) with the default protocol.
"""
import math
import pickle

import numpy as np
import torch

DEFAULTS = dict(
    vocab_size=8192, d_model=128, num_heads=4, num_kv_heads=2, num_encoder_layers=2, num_decoder_layers=2,
    d_ff=512, max_seq_len=128, pad_token_id=0, rope_theta=10000.0, dtype="bfloat16", activation="drelu",
    num_memory_slots=64, dropout_rate=0.1, contrastive_dim=128, no_feedforward=True,
)


def full_config(cfg):
    """File keys over the TransformerConfig defaults (section 1.4)."""
    out = dict(DEFAULTS)
    out.update({k: v for k, v in cfg.items() if k in DEFAULTS})
    return out


ATTN_LEAVES = ("q_proj/kernel", "k_proj/kernel", "v_proj/kernel", "q_norm/scale", "k_norm/scale", "out_proj/kernel")
ENC = "encoder/layers/EncoderBlock_0/"
DEC = "decoder/layers/DecoderBlock_0/"


def param_shapes(cfg):
    """Every leaf path -> shape, exactly as section 1.3 (stacked layer axis, kernels (in, out))."""
    c = full_config(cfg)
    d, h, kv, v = c["d_model"], c["num_heads"], c["num_kv_heads"], c["vocab_size"]
    hd = d // h
    le, ld, cd = c["num_encoder_layers"], c["num_decoder_layers"], c["contrastive_dim"]

    def attn(prefix, n):
        return {
            prefix + "q_proj/kernel": (n, d, h * hd), prefix + "k_proj/kernel": (n, d, kv * hd),
            prefix + "v_proj/kernel": (n, d, kv * hd), prefix + "q_norm/scale": (n, hd),
            prefix + "k_norm/scale": (n, hd), prefix + "out_proj/kernel": (n, h * hd, d),
        }

    s = {"embedding/embedding": (v, d)}
    s[ENC + "attn_gate"] = (le,)
    s[ENC + "ZCRMSNorm_0/scale"] = (le, d)
    s.update(attn(ENC + "self_attn/", le))
    s["encoder/final_norm/scale"] = (d,)
    s[DEC + "self_attn_gate"] = (ld,)
    s[DEC + "ZCRMSNorm_0/scale"] = (ld, d)
    s.update(attn(DEC + "self_attn/", ld))
    s[DEC + "cross_attn_gate"] = (ld,)
    s[DEC + "ZCRMSNorm_1/scale"] = (ld, d)
    s.update(attn(DEC + "cross_attn/", ld))
    s["decoder/ZCRMSNorm_0/scale"] = (d,)
    s["contrastive_hidden/kernel"] = (d, cd)
    s["contrastive_hidden/bias"] = (cd,)
    s["contrastive_proj/kernel"] = (cd, cd)
    s["log_temp"] = ()
    return s


def init_params(cfg, seed, randomize_all=False):
    """Upstream init (N(0,0.02), out_proj N(0, 0.02/sqrt(2*(Le+Ld))), zeros elsewhere).

    randomize_all=True gives every norm scale, gate, bias and log_temp a non-zero random value and larger kernels,
    so that each parameter visibly changes the outputs (parity fixtures)."""
    c = full_config(cfg)
    g = torch.Generator().manual_seed(seed)
    total_layers = c["num_encoder_layers"] + c["num_decoder_layers"]
    out = {}
    for path, shape in param_shapes(cfg).items():
        if randomize_all:
            if path.endswith("kernel"):
                std = 1.0 / math.sqrt(shape[-2])
            elif path == "embedding/embedding":
                std = 0.5
            elif path.endswith("gate"):
                std = 1.0
            else:  # norm scales, bias, log_temp
                std = 0.3
            t = torch.randn(shape, generator=g, dtype=torch.float32) * std
        else:
            if path.endswith("out_proj/kernel"):
                t = torch.randn(shape, generator=g) * (0.02 / math.sqrt(2 * total_layers))
            elif path.endswith("kernel") or path == "embedding/embedding":
                t = torch.randn(shape, generator=g) * 0.02
            else:
                t = torch.zeros(shape)
        out[path] = t.float()
    return out


def nest(flat):
    """'/'-paths -> nested dicts with sorted keys (JAX tree order)."""
    root = {}
    for path in sorted(flat):
        node = root
        parts = path.split("/")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = flat[path]

    def sort(d):
        return {k: sort(d[k]) if isinstance(d[k], dict) else d[k] for k in sorted(d)}

    return sort(root)


def flatten(tree, prefix=""):
    out = {}
    for k, v in tree.items():
        p = prefix + k
        if isinstance(v, dict):
            out.update(flatten(v, p + "/"))
        else:
            out[p] = v
    return out


def save_checkpoint(path, params, config, dtype=np.float32, protocol=None, extra=None):
    """Writes {"params", "config"(, extra keys)} with numpy leaves of `dtype` (float32 for parity, float16 like
    upstream). protocol None = Python's default (4 on 3.11), as upstream."""
    leaves = {k: np.ascontiguousarray(v.detach().cpu().numpy().astype(np.float32).astype(dtype)) for k, v in params.items()}
    obj = {"params": nest(leaves), "config": dict(config)}
    obj.update(extra or {})
    with open(path, "wb") as f:
        if protocol is None:
            pickle.dump(obj, f)
        else:
            pickle.dump(obj, f, protocol=protocol)


def load_checkpoint(path):
    """Returns (flat float32 torch params, stored config dict)."""
    with open(path, "rb") as f:
        obj = pickle.load(f)
    flat = flatten(obj["params"])
    return {k: torch.from_numpy(np.asarray(v, dtype=np.float32).copy()) for k, v in flat.items()}, obj["config"]
