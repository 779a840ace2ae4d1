#!/usr/bin/python3
"""Peer for `Needle.Bench tokenizer`: sentencepiece 0.1.97 encode throughput on the same texts.

usage: tokenizer_peer.py MODEL TEXTS_JSON MIN_SECONDS
Prints one JSON line: {"mb_per_s_loop":..., "mb_per_s_batch":..., "checksum":..., "version":...}
"""
import json
import sys
import time

import sentencepiece as spm


def checksum(all_ids):
    h = 0
    for ids in all_ids:
        for i in ids:
            h = (h * 31 + i + 1) % 2147483647
        h = (h * 31 + 7) % 2147483647
    return h


def timed(fn, nbytes, min_seconds):
    fn()  # warm-up
    rounds, start = 0, time.perf_counter()
    while True:
        fn()
        rounds += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return nbytes * rounds / elapsed / 1e6


def main():
    model, texts_path, min_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    sp = spm.SentencePieceProcessor(model_file=model)
    with open(texts_path, encoding="utf-8") as f:
        texts = json.load(f)
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    loop = timed(lambda: [sp.encode(t) for t in texts], nbytes, min_seconds)
    batch = timed(lambda: sp.encode(texts, num_threads=1), nbytes, min_seconds)
    print(json.dumps({"mb_per_s_loop": loop, "mb_per_s_batch": batch,
                      "checksum": checksum(sp.encode(texts)), "version": spm.__version__}))


if __name__ == "__main__":
    main()
