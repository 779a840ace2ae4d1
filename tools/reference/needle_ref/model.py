"""SimpleAttentionNetwork forward pass in float32 (needle-model.md section 2), functional over a flat param dict."""
import math

import torch

from .checkpoint import DEC, ENC, full_config

NEG = torch.finfo(torch.float32).min  # masked scores get finfo.min, not -inf (fully masked rows -> uniform)
EPS = 1e-6


def zc_norm(x, scale):
    """ZC-RMSNorm: (1 + g) * x / sqrt(mean(x^2) + 1e-6) over the last dim."""
    return (1.0 + scale) * (x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + EPS))


def rope(x, theta):
    """Half-split (NeoX) RoPE over the last dim; positions 0..T-1 of this tensor. x: (B, H, T, hd)."""
    hd = x.shape[-1]
    half = hd // 2
    i = torch.arange(half, dtype=torch.float32)
    freq = 1.0 / torch.pow(torch.tensor(theta, dtype=torch.float32), 2.0 * i / hd)  # (half,)
    t = torch.arange(x.shape[-2], dtype=torch.float32)
    ang = t[:, None] * freq[None, :]  # (T, half)
    cos, sin = torch.cos(ang), torch.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def attention(p, prefix, layer, cfg, q_in, kv_in, mask, use_rope):
    """Multi-head GQA attention with QK-norm. q_in (B, Tq, D), kv_in (B, Tk, D), mask bool broadcastable to
    (B, H, Tq, Tk), True = may attend."""
    c = full_config(cfg)
    h, kvh, d = c["num_heads"], c["num_kv_heads"], c["d_model"]
    hd = d // h
    b, tq, _ = q_in.shape
    tk = kv_in.shape[1]
    q = (q_in @ p[prefix + "q_proj/kernel"][layer]).view(b, tq, h, hd).transpose(1, 2)  # (B, H, Tq, hd)
    k = (kv_in @ p[prefix + "k_proj/kernel"][layer]).view(b, tk, kvh, hd).transpose(1, 2)  # (B, KV, Tk, hd)
    v = (kv_in @ p[prefix + "v_proj/kernel"][layer]).view(b, tk, kvh, hd).transpose(1, 2)
    q = zc_norm(q, p[prefix + "q_norm/scale"][layer])
    k = zc_norm(k, p[prefix + "k_norm/scale"][layer])
    if use_rope:
        q = rope(q, c["rope_theta"])
        k = rope(k, c["rope_theta"])
    rep = h // kvh
    k = k.repeat_interleave(rep, dim=1)  # head order kv0,kv0,kv1,kv1,...: query head i uses kv head i // rep
    v = v.repeat_interleave(rep, dim=1)
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)  # (B, H, Tq, Tk)
    scores = scores.masked_fill(~mask, NEG)
    probs = torch.softmax(scores, dim=-1)
    out = (probs @ v).transpose(1, 2).reshape(b, tq, h * hd)  # head-major concat
    return out @ p[prefix + "out_proj/kernel"][layer]


def _dropout(x, rate, training):
    return torch.nn.functional.dropout(x, rate, training=True) if training and rate > 0 else x


def embed(p, cfg, tokens):
    d = full_config(cfg)["d_model"]
    return p["embedding/embedding"][tokens] * math.sqrt(d)


def encode(p, cfg, src, mask, dropout=0.0, training=False):
    """src (B, Te) int64; mask bool (B, 1, Te|1, Te). Returns enc_out (B, Te, D) after encoder/final_norm."""
    c = full_config(cfg)
    x = embed(p, cfg, src)
    for l in range(c["num_encoder_layers"]):
        hn = zc_norm(x, p[ENC + "ZCRMSNorm_0/scale"][l])
        a = attention(p, ENC + "self_attn/", l, cfg, hn, hn, mask, True)
        x = x + torch.sigmoid(p[ENC + "attn_gate"][l]) * _dropout(a, dropout, training)
    return zc_norm(x, p["encoder/final_norm/scale"])


def decode(p, cfg, tgt, enc_out, self_mask, cross_mask, dropout=0.0, training=False):
    """tgt (B, Td); returns logits (B, Td, V) (tied to the embedding)."""
    c = full_config(cfg)
    y = embed(p, cfg, tgt)
    for l in range(c["num_decoder_layers"]):
        hn = zc_norm(y, p[DEC + "ZCRMSNorm_0/scale"][l])
        a = attention(p, DEC + "self_attn/", l, cfg, hn, hn, self_mask, True)
        y = y + torch.sigmoid(p[DEC + "self_attn_gate"][l]) * _dropout(a, dropout, training)
        hn = zc_norm(y, p[DEC + "ZCRMSNorm_1/scale"][l])
        a = attention(p, DEC + "cross_attn/", l, cfg, hn, enc_out, cross_mask, False)
        y = y + torch.sigmoid(p[DEC + "cross_attn_gate"][l]) * _dropout(a, dropout, training)
    h = zc_norm(y, p["decoder/ZCRMSNorm_0/scale"])
    return h @ p["embedding/embedding"].T


def padding_mask(src, pad=0):
    return (src != pad)[:, None, None, :]  # (B, 1, 1, Te)


def causal_mask(t):
    return torch.tril(torch.ones(t, t, dtype=torch.bool))[None, None]  # (1, 1, T, T)


def forward(p, cfg, src, tgt):
    """Inference forward: encoder key-padding mask, causal-only decoder self mask, encoder-padding cross mask."""
    src_mask = padding_mask(src, full_config(cfg)["pad_token_id"])
    enc_out = encode(p, cfg, src, src_mask)
    logits = decode(p, cfg, tgt, enc_out, causal_mask(tgt.shape[1]), src_mask)
    return enc_out, logits


def encode_contrastive(p, cfg, tokens):
    """Mean-pooled (non-PAD) encoder output -> relu(Dense) -> Dense(no bias) -> L2 normalize. (B, contrastive_dim)."""
    pad = full_config(cfg)["pad_token_id"]
    mask = padding_mask(tokens, pad)
    enc_out = encode(p, cfg, tokens, mask)
    keep = (tokens != pad).float()[..., None]  # (B, T, 1)
    pooled = (enc_out * keep).sum(1) / torch.clamp(keep.sum(1), min=1.0)
    hid = torch.relu(pooled @ p["contrastive_hidden/kernel"] + p["contrastive_hidden/bias"])
    v = hid @ p["contrastive_proj/kernel"]
    return v / torch.sqrt(v.pow(2).sum(-1, keepdim=True) + 1e-12)


def packed_masks(enc_seg, dec_seg):
    """Training masks from segment ids (0 = pad): enc self, dec self (causal), cross. Shapes (B, 1, Tq, Tk)."""
    es_q, es_k = enc_seg[:, None, :, None], enc_seg[:, None, None, :]
    enc_self = (es_q == es_k) & (es_q > 0)
    ds_q, ds_k = dec_seg[:, None, :, None], dec_seg[:, None, None, :]
    t = dec_seg.shape[1]
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))[None, None]
    dec_self = (ds_q == ds_k) & (ds_q > 0) & causal
    cross = (ds_q == es_k) & (ds_q > 0)
    return enc_self, dec_self, cross
