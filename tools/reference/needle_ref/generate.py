"""Greedy generation (needle-model.md section 9.1): tool-name normalization and restoration, encoder input,
full-recompute causal decoding from [EOS], optional constrained decoding, output decoding."""
import json
import re

import torch

from . import model
from .constrained import ToolCallState, apply_constraint, build_constraints, token_strings
from .tokenizer import EOS, PAD, TOOLS


def to_snake_case(name):
    s = re.sub(r"[^A-Za-z0-9_]+", "_", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"_+", "_", s)
    return s.lower().strip("_")


def normalize_tools(tools_json):
    """(compact tools JSON with snake_case names, {snake: original}); invalid JSON passes through with an empty map."""
    try:
        tools = json.loads(tools_json)
    except (ValueError, TypeError):
        return tools_json, {}
    name_map = {}
    if isinstance(tools, list):
        for t in tools:
            if isinstance(t, dict) and "name" in t and isinstance(t["name"], str):
                snake = to_snake_case(t["name"])
                name_map[snake] = t["name"]
                t["name"] = snake
    return json.dumps(tools, separators=(",", ":")), name_map


def restore_tool_names(text, name_map):
    if not name_map:
        return text
    try:
        calls = json.loads(text)
    except ValueError:
        for snake in sorted(name_map, key=len, reverse=True):
            text = text.replace(snake, name_map[snake])
        return text
    items = calls if isinstance(calls, list) else [calls]
    for c in items:
        if isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"] in name_map:
            c["name"] = name_map[c["name"]]
    return json.dumps(calls, separators=(",", ":"))


def encoder_ids(sp, query, tools_json, max_enc=1024):
    cap = max(max_enc, 512)
    q = sp.encode(query)[:cap][:max_enc - 2]
    rest = max_enc - len(q) - 1
    return q + [TOOLS] + sp.encode(tools_json)[:cap][:rest]


@torch.no_grad()
def generate(p, cfg, sp, query, tools_json, constrained=False, max_gen_len=512, max_enc=1024, strings=None):
    """Returns dict(text, ids, enc_ids, min_margin). min_margin = smallest top1-top2 gap of the (masked) logits over
    the chosen steps, a measure of how robust greedy parity is to float noise."""
    norm_tools, name_map = normalize_tools(tools_json)
    enc = encoder_ids(sp, query, norm_tools, max_enc)
    src = torch.tensor([enc])
    src_mask = model.padding_mask(src)
    enc_out = model.encode(p, cfg, src, src_mask)
    state = None
    trace = []
    if constrained:
        strings = strings or token_strings(sp)
        names, params = build_constraints(norm_tools)
        state = ToolCallState(names, params)
    buf = [EOS]
    out = []
    min_margin = float("inf")
    for _ in range(max_gen_len - 1):
        tgt = torch.tensor([buf])
        logits = model.decode(p, cfg, tgt, enc_out, model.causal_mask(len(buf)), src_mask)[0, -1]
        if state is not None:
            logits = apply_constraint(logits, state, strings, trace)
        top2 = torch.topk(logits, 2).values
        if torch.isfinite(top2[1]):
            min_margin = min(min_margin, float(top2[0] - top2[1]))
        tok = int(torch.argmax(logits))  # first max index
        if state is not None:
            state.feed(strings[tok])
        if tok == EOS:
            break
        out.append(tok)
        buf.append(tok)
    text = sp.decode(out)
    if text.startswith("<tool_call>"):
        text = text[len("<tool_call>"):]
    return dict(text=restore_tool_names(text, name_map), ids=out, enc_ids=enc, min_margin=min_margin, trace=trace)
