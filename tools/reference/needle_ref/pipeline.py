"""Training-example construction (needle-model.md section 3): compact JSON, tool shuffling, encoder/decoder sequences,
per-token loss classes, first-fit-decreasing packing."""
import json
import re

import numpy as np

from .tokenizer import EOS, TOOL_CALL, TOOLS

CLASS_BASE, CLASS_NAME, CLASS_VALUE, CLASS_KEY = 0, 1, 2, 3
CLASS_WEIGHTS = [1.0, 2.0, 4.0, 1.5]  # base, name, value, key (finetune CLI values)


def compact(text):
    """Parse and re-dump with (',', ':') separators (ensure_ascii); invalid JSON is returned untouched."""
    try:
        return json.dumps(json.loads(text), separators=(",", ":"))
    except (ValueError, TypeError):
        return text


def shuffle_tools(tools_text, index):
    """Deterministic augmentation with numpy legacy RandomState(index): tool order, then per tool its parameters' key
    order and its top-level key order. Non-list or invalid JSON is returned compacted/untouched, unshuffled."""
    try:
        tools = json.loads(tools_text)
    except (ValueError, TypeError):
        return tools_text
    if not isinstance(tools, list):
        return json.dumps(tools, separators=(",", ":"))
    rng = np.random.RandomState(index)
    if len(tools) > 1:
        rng.shuffle(tools)
    out = []
    for t in tools:
        if isinstance(t, dict):
            params = t.get("parameters")
            if isinstance(params, dict) and len(params) > 1:
                keys = list(params.keys())
                rng.shuffle(keys)
                t = dict(t)
                t["parameters"] = {k: params[k] for k in keys}
            if len(t) > 1:
                keys = list(t.keys())
                rng.shuffle(keys)
                t = {k: t[k] for k in keys}
        out.append(t)
    return json.dumps(out, separators=(",", ":"))


def _mark(classes, start, end, cls):
    for i in range(start, end):
        classes[i] = max(classes[i], cls)


def char_classes(s):
    """Per-character classes over the compact answer string s (section 3.4 step 1)."""
    classes = [CLASS_BASE] * len(s)
    try:
        calls = json.loads(s)
    except ValueError:
        return classes
    if not isinstance(calls, list):
        return classes
    for call in calls:
        if not isinstance(call, dict):
            continue
        name = call.get("name")
        if isinstance(name, str) and name:
            m = re.search(r'"name"\s*:\s*"' + re.escape(name) + '"', s)
            if m:
                _mark(classes, m.end() - 1 - len(name), m.end() - 1, CLASS_NAME)
        args = call.get("arguments")
        if not isinstance(args, dict):
            continue
        for k, v in args.items():
            kq = '"' + re.escape(k) + '"'
            for m in re.finditer(kq + r"\s*:", s):
                _mark(classes, m.start() + 1, m.start() + 1 + len(k), CLASS_KEY)
            v_str = v if isinstance(v, str) else json.dumps(v)
            m = re.search(kq + r'\s*:\s*"' + re.escape(v_str) + '"', s)
            if m:
                _mark(classes, m.end() - 1 - len(v_str), m.end() - 1, CLASS_VALUE)
                continue
            m = re.search(kq + r"\s*:\s*" + re.escape(v_str), s)
            if m:
                colon = s.index(":", m.start() + len(k) + 2)
                start = colon + 1
                while start < m.end() and s[start].isspace():
                    start += 1
                _mark(classes, start, m.end(), CLASS_VALUE)
    return classes


def token_classes(sp, s, n_tokens):
    """Aligns char classes to the pieces of sp.encode(s) with a char cursor (includes the dummy-prefix shift and the
    6-char byte-piece over-advance quirks)."""
    cc = char_classes(s)
    pieces = [p.replace("\u2581", " ") for p in sp.encode_as_pieces(s)]
    out = []
    pos = 0
    for i in range(n_tokens):
        ln = len(pieces[i])
        if ln > 0 and pos + ln <= len(s):
            out.append(max(cc[pos:pos + ln]))
            pos += ln
        else:
            out.append(CLASS_BASE)
            pos += max(ln, 1)
    return out


def build_example(sp, row, index, max_enc=1024, max_dec=512, shuffle=True):
    """One JSONL row -> dict(enc, dec_in, dec_tgt, loss_class, answer_text, tools_text) or None when dropped."""
    cap = max(max_enc, max_dec)
    answer = compact(row["answers"])
    tools = shuffle_tools(compact(row["tools"]), index) if shuffle else compact(row["tools"])
    q_tok = sp.encode(row["query"])[:cap]
    t_tok = sp.encode(tools)[:cap]
    a_tok = sp.encode(answer)[:cap]
    q = q_tok[:max_enc - 2]
    rest = max_enc - len(q) - 1
    enc = q + [TOOLS] + t_tok[:rest]
    if len(a_tok) + 3 > max_dec:
        return None
    classes = [CLASS_BASE] + token_classes(sp, answer, len(a_tok)) + [CLASS_BASE]
    return dict(enc=enc, dec_in=[EOS, TOOL_CALL] + a_tok, dec_tgt=[TOOL_CALL] + a_tok + [EOS], loss_class=classes,
                answer_text=answer, tools_text=tools)


def pack(examples, max_enc=1024, max_dec=512):
    """First-fit-decreasing by encoder length (stable descending order: ties keep input order; upstream's tie order
    is unspecified). Returns dict of int64 arrays (n_bins, max_enc|max_dec) and the example order per bin."""
    lens = np.array([len(e["enc"]) for e in examples])
    order = sorted(range(len(examples)), key=lambda i: -lens[i])
    bins = []  # [enc_used, dec_used, [indices]]
    for i in order:
        e = examples[i]
        for b in bins:
            if b[0] + len(e["enc"]) <= max_enc and b[1] + len(e["dec_in"]) <= max_dec:
                b[0] += len(e["enc"]); b[1] += len(e["dec_in"]); b[2].append(i)
                break
        else:
            bins.append([len(e["enc"]), len(e["dec_in"]), [i]])
    n = len(bins)
    out = {k: np.zeros((n, max_enc), np.int64) for k in ("enc", "enc_seg")}
    out.update({k: np.zeros((n, max_dec), np.int64) for k in ("dec_in", "dec_tgt", "loss_class", "dec_seg")})
    for bi, (_, _, idx) in enumerate(bins):
        pe = pd = 0
        for seg, i in enumerate(idx, start=1):
            e = examples[i]
            le, ld = len(e["enc"]), len(e["dec_in"])
            out["enc"][bi, pe:pe + le] = e["enc"]; out["enc_seg"][bi, pe:pe + le] = seg
            out["dec_in"][bi, pd:pd + ld] = e["dec_in"]; out["dec_tgt"][bi, pd:pd + ld] = e["dec_tgt"]
            out["loss_class"][bi, pd:pd + ld] = e["loss_class"]; out["dec_seg"][bi, pd:pd + ld] = seg
            pe += le; pd += ld
    return out, [b[2] for b in bins]
