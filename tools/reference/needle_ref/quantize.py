"""INT4/INT8 fake quantization of kernels (needle-model.md section 5.5)."""
import torch


def fake_quant_2d(w, bits=4):
    """w (in, out): groups of gs = min(32, in) consecutive input rows per output column (rows zero-padded to a
    multiple of gs), scale = max|w|/7 (>= 1e-8), w_q = clip(round_half_even(w/scale), -8, 7) * scale."""
    qmax, qmin = (7, -8) if bits == 4 else (127, -128)
    n_in, n_out = w.shape
    gs = min(32, n_in)
    pad = (-n_in) % gs
    wp = torch.cat([w, torch.zeros(pad, n_out, dtype=w.dtype)]) if pad else w
    g = wp.reshape(-1, gs, n_out)  # (in/gs, gs, out)
    scale = torch.clamp(g.abs().amax(dim=1, keepdim=True) / qmax, min=1e-8)
    q = torch.clamp(torch.round(g / scale), qmin, qmax) * scale  # torch.round = half to even
    return q.reshape(-1, n_out)[:n_in]


def fake_quant(w, bits=4):
    """2-D kernel, or each layer slice of a stacked 3-D kernel."""
    if w.dim() == 2:
        return fake_quant_2d(w, bits)
    return torch.stack([fake_quant_2d(w[i], bits) for i in range(w.shape[0])])
