#!/usr/bin/python3
"""Greedy generation with the PyTorch reference from any Needle .pkl, for cross-implementation parity tests.

Usage: /usr/bin/python3 tools/reference/generate_from_pkl.py CHECKPOINT.pkl TOKENIZER.model CASES.json
       [--max-gen-len 512] [--max-enc-len 1024]

CASES.json: [{"query": "...", "tools": "<tools JSON string, as given to `needle run --tools`>"}, ...]
Prints one JSON object on stdout:
  {"cases": [{"unconstrained": text, "constrained": text, "unconstrained_margin": m, "constrained_margin": m}, ...]}
where text is exactly what generate() returns (needle-model.md §9.1) and margin the smallest top-1 minus top-2 logit
gap over the steps (how robust greedy parity is to float noise).

The .pkl is read with Python's pickle + numpy only (leaves widened to float32), so a file written by another
implementation is checked against Python's own unpickler. Single-threaded torch: the result is reproducible.
"""
import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from needle_ref import checkpoint, generate, tokenizer  # noqa: E402
from needle_ref.constrained import token_strings  # noqa: E402


def margin(value):
    # JSON has no Infinity: a run with no two finite candidates at any step reports null.
    return value if math.isfinite(value) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint")
    ap.add_argument("tokenizer")
    ap.add_argument("cases")
    ap.add_argument("--max-gen-len", type=int, default=512)
    ap.add_argument("--max-enc-len", type=int, default=1024)
    args = ap.parse_args()

    torch.set_num_threads(1)
    params, cfg = checkpoint.load_checkpoint(args.checkpoint)
    sp = tokenizer.load(args.tokenizer)
    strings = token_strings(sp)
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)

    out = []
    for case in cases:
        row = {}
        for constrained in (False, True):
            key = "constrained" if constrained else "unconstrained"
            r = generate.generate(params, cfg, sp, case["query"], case["tools"], constrained=constrained,
                                  max_gen_len=args.max_gen_len, max_enc=args.max_enc_len, strings=strings)
            row[key] = r["text"]
            row[key + "_margin"] = margin(r["min_margin"])
        out.append(row)
    json.dump({"cases": out}, sys.stdout)  # ASCII escapes: independent of the locale
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
