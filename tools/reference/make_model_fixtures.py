#!/usr/bin/python3
"""Regenerates every fixture under tests/Needle.Core.Tests/Fixtures/Model/ (see README.md).

Usage: /usr/bin/python3 tools/reference/make_model_fixtures.py [--stages tokenizer,random,trained,generation,train_step]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from needle_ref import checkpoint, generate, model, pipeline, toydata, tokenizer, toytrain, train_step  # noqa: E402
from needle_ref.constrained import token_strings  # noqa: E402
from needle_ref.fixtures_io import write_bin, write_json  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "tests", "Needle.Core.Tests", "Fixtures", "Model")
VOCAB = 1024
TOKENIZER = os.path.join(OUT, "tokenizer.model")

RANDOM_CONFIGS = {
    # name: (config dict as pickled, seed)
    "rand_a": (dict(vocab_size=VOCAB, d_model=64, num_heads=4, num_kv_heads=2, num_encoder_layers=2,
                    num_decoder_layers=2, d_ff=256, max_seq_len=1024, dtype="bfloat16", contrastive_dim=32), 1),
    "rand_b": (dict(vocab_size=VOCAB, d_model=48, num_heads=4, num_kv_heads=4, num_encoder_layers=1,
                    num_decoder_layers=2, contrastive_dim=16), 2),
    "rand_c": (dict(vocab_size=VOCAB, d_model=64, num_heads=8, num_kv_heads=2, num_encoder_layers=3,
                    num_decoder_layers=1, contrastive_dim=24, rope_theta=500.0), 3),
}
TRAINED_CONFIG = dict(vocab_size=VOCAB, d_model=64, num_heads=4, num_kv_heads=2, num_encoder_layers=2,
                      num_decoder_layers=2, contrastive_dim=32, dropout_rate=0.0)


def log(msg):
    print(msg, flush=True)


def stage_tokenizer():
    prefix = os.path.join(OUT, "tokenizer")
    sp = tokenizer.train_tokenizer(toydata.tokenizer_corpus(), prefix, VOCAB)
    texts = [
        "What is the weather in Paris?", "  leading and   repeated   spaces  ", "",
        '[{"name":"get_weather","arguments":{"location":"Paris"}}]', "<tool_call>[]", "query<tools>[]",
        "Wie ist das Wetter in München?", "東京の天気は？", "emoji 🎉 party", "tab\tand\nnewline",
        "getWeather sendMessage weather.get HTTPRequest", "7:45 and 100% sure",
    ]
    cases = [{"text": t, "ids": sp.encode(t), "pieces": sp.encode_as_pieces(t), "decoded": sp.decode(sp.encode(t))}
             for t in texts]
    strings = token_strings(sp)
    write_json(os.path.join(OUT, "tokenizer_cases.json"),
               {"model": "tokenizer.model", "vocab_size": sp.get_piece_size(), "cases": cases,
                "token_strings": strings})
    log(f"tokenizer: {sp.get_piece_size()} pieces")


def forward_batch(sp, cfg_vocab):
    """Encoder/decoder id batches with right padding, built from toy rows (real-looking token sequences)."""
    rows = toydata.make_dataset(3, 2024)
    encs, decs = [], []
    for i, r in enumerate(rows):
        ex = pipeline.build_example(sp, r, i)
        encs.append(ex["enc"][: [37, 21, 50][i]])  # odd / differing lengths
        decs.append(ex["dec_in"][: [9, 5, 12][i]])
    te, td = max(map(len, encs)), max(map(len, decs))
    enc = torch.tensor([e + [0] * (te - len(e)) for e in encs])
    dec = torch.tensor([d + [0] * (td - len(d)) for d in decs])
    assert int(enc.max()) < cfg_vocab
    return enc, dec


def forward_case(name, ckpt_file, sp):
    params, cfg = checkpoint.load_checkpoint(os.path.join(OUT, ckpt_file))
    enc, dec = forward_batch(sp, cfg["vocab_size"])
    with torch.no_grad():
        enc_out, logits = model.forward(params, cfg, enc, dec)
        emb = model.encode_contrastive(params, cfg, enc)
    return {
        "name": name, "checkpoint": ckpt_file, "config": checkpoint.full_config(cfg),
        "enc_ids": enc.tolist(), "dec_ids": dec.tolist(),
        "enc_out": write_bin(OUT, f"forward_{name}.enc_out.bin", enc_out),
        "logits": write_bin(OUT, f"forward_{name}.logits.bin", logits),
        "contrastive": write_bin(OUT, f"forward_{name}.contrastive.bin", emb),
    }


def stage_random():
    sp = tokenizer.load(TOKENIZER)
    cases = []
    for name, (cfg, seed) in RANDOM_CONFIGS.items():
        params = checkpoint.init_params(cfg, seed, randomize_all=True)
        checkpoint.save_checkpoint(os.path.join(OUT, f"{name}.pkl"), params, cfg, np.float32)
        cases.append(forward_case(name, f"{name}.pkl", sp))
    # float16 leaves like upstream; its goldens come from the f16-rounded values widened to f32
    params, cfg = checkpoint.load_checkpoint(os.path.join(OUT, "rand_a.pkl"))
    checkpoint.save_checkpoint(os.path.join(OUT, "rand_a_f16.pkl"), params, cfg, np.float16)
    cases.append(forward_case("rand_a_f16", "rand_a_f16.pkl", sp))
    write_json(os.path.join(OUT, "forward.json"), {"format": "see tools/reference/README.md", "cases": cases})
    log(f"random checkpoints + forward goldens: {[c['name'] for c in cases]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", default="tokenizer,random,trained,generation,train_step")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    stages = {"tokenizer": stage_tokenizer, "random": stage_random}
    for s in args.stages.split(","):
        t = time.time()
        stages[s]()
        log(f"[{s}] {time.time() - t:.1f}s")


if __name__ == "__main__":
    main()
