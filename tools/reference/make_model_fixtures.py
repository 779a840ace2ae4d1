#!/usr/bin/python3
"""Regenerates every fixture under tests/Needle.Core.Tests/Fixtures/Model/ (see README.md).

Usage: /usr/bin/python3 tools/reference/make_model_fixtures.py
       [--stages tokenizer,random,trained,generation,train_step,text,retrieval]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from needle_ref import checkpoint, constrained, generate, model, pipeline, quantize, toydata, tokenizer, toytrain, train_step  # noqa: E402
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
TOY_STEPS, TOY_LR = 300, 1e-2


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
    # protocol 5 (Python 3.14 default; numpy _frombuffer + in-band BYTEARRAY8) with a pretrain-style extra key;
    # same values as rand_b.pkl, so forward_rand_b.* are its goldens too
    params, cfg = checkpoint.load_checkpoint(os.path.join(OUT, "rand_b.pkl"))
    checkpoint.save_checkpoint(os.path.join(OUT, "rand_b_proto5.pkl"), params, cfg, np.float32, protocol=5,
                               extra={"pretrain_step": 1234})
    write_json(os.path.join(OUT, "forward.json"), {"format": "see tools/reference/README.md", "cases": cases})
    # INT4 / INT8 fake quantization of a few rand_b kernels (in = 48 -> one full group of 32 + a zero-padded one;
    # in = 16 -> gs 16)
    params, _ = checkpoint.load_checkpoint(os.path.join(OUT, "rand_b.pkl"))
    quant = []
    for path in ("encoder/layers/EncoderBlock_0/self_attn/q_proj/kernel",
                 "decoder/layers/DecoderBlock_0/cross_attn/out_proj/kernel", "contrastive_proj/kernel"):
        for bits in (4, 8):
            w = params[path]
            quant.append({"checkpoint": "rand_b.pkl", "path": path, "bits": bits, "shape": list(w.shape),
                          "output": write_bin(OUT, f"quant_rand_b.{path.replace('/', '.')}.int{bits}.bin",
                                              quantize.fake_quant(w, bits))})
    write_json(os.path.join(OUT, "quant.json"), {"cases": quant})
    log(f"random checkpoints + forward goldens: {[c['name'] for c in cases]}")


GEN_MAX_LEN = 128


def generation_cases():
    """(query, tools JSON) pairs: toy test rows plus hand-made edge cases for normalization/restoration."""
    rows = [(r["query"], r["tools"]) for r in toydata.make_dataset(14, 4242)]
    by = toydata.BY_NAME

    def renamed(name, new):
        t = json.loads(json.dumps(by[name]))
        t["name"] = new
        return t

    rows += [
        ("What is the weather in Oslo?", json.dumps([renamed("get_weather", "getWeather")])),
        ("text Bob saying on my way", json.dumps([renamed("send_message", "Send.Message"), by["set_alarm"]])),
        ("how is NVDA stock doing", json.dumps([renamed("get_stock_price", "GetStockPRICE"), by["call_contact"]])),
        ("call Emma", json.dumps([by["call_contact"]], ensure_ascii=False)),
        ("Wie ist das Wetter in München?", json.dumps([by["get_weather"]])),
        ("play the song Halo", "[]"),
        ("set an alarm for 7:00", "this is not json"),
        # names/keys the model never saw: constrained decoding must force them
        ("weather for Rome", json.dumps([
            {"name": "fetchForecast", "description": "Weather forecast",
             "parameters": {"city": {"type": "string", "description": "City", "required": True}}}])),
        ("text Alice saying see you soon", json.dumps([
            {"name": "sms.send", "description": "Send an SMS",
             "parameters": {"to": {"type": "string", "description": "Phone contact", "required": True},
                            "body": {"type": "string", "description": "Text", "required": True}}}])),
        ("play the song Halo", json.dumps([
            {"name": "play", "description": "Play media",
             "parameters": {"item": {"type": "string", "description": "What to play", "required": True}}},
            {"name": "play_music_now", "description": "Play a song",
             "parameters": {"song": {"type": "string", "description": "Song title", "required": True}}}])),
        ("remind me to pay rent in 10 minutes", json.dumps([
            {"name": "create_reminder", "description": "JSON-Schema style tool",
             "parameters": {"type": "object", "properties": {"title": {"type": "string"},
                                                             "minutes": {"type": "integer"}}}}])),
    ]
    return rows


def stage_trained():
    sp = tokenizer.load(TOKENIZER)
    rows = toydata.make_dataset(3000, 7)
    params = toytrain.train_toy(sp, rows, TRAINED_CONFIG, TOY_STEPS, 16, 42, lr=TOY_LR, log=log)
    checkpoint.save_checkpoint(os.path.join(OUT, "trained.pkl"), params, TRAINED_CONFIG, np.float32)
    case = forward_case("trained", "trained.pkl", sp)
    write_json(os.path.join(OUT, "forward_trained.json"), {"format": "see tools/reference/README.md", "cases": [case]})


def stage_generation():
    sp = tokenizer.load(TOKENIZER)
    params, cfg = checkpoint.load_checkpoint(os.path.join(OUT, "trained.pkl"))
    strings = token_strings(sp)
    cases = []
    for query, tools in generation_cases():
        norm, name_map = generate.normalize_tools(tools)
        u = generate.generate(params, cfg, sp, query, tools, constrained=False, max_gen_len=GEN_MAX_LEN)
        c = generate.generate(params, cfg, sp, query, tools, constrained=True, max_gen_len=GEN_MAX_LEN,
                              strings=strings)
        cases.append({
            "query": query, "tools": tools, "normalized_tools": norm, "name_map": name_map, "enc_ids": u["enc_ids"],
            "unconstrained": {"text": u["text"], "ids": u["ids"], "min_margin": u["min_margin"]},
            "constrained": {"text": c["text"], "ids": c["ids"], "min_margin": c["min_margin"], "trace": c["trace"]},
        })
        log(f"  {query!r}\n    U {u['text']}\n    C {c['text']}")
    write_json(os.path.join(OUT, "generation.json"),
               {"checkpoint": "trained.pkl", "tokenizer": "tokenizer.model", "max_gen_len": GEN_MAX_LEN,
                "max_enc_len": 1024, "cases": cases})


TS_MAX_ENC, TS_MAX_DEC = 256, 128
TS_TOTAL_STEPS, TS_STEPS, TS_ADAM_LR, TS_MUON_LR = 20, 3, 0.01, 0.02


def train_step_rows():
    rows = toydata.make_dataset(6, 77)
    rows.append({  # edge cases for the loss classes: arg called "name", repeated tool, numeric prefix, non-ASCII,
        # nested/list values, a float, a bool
        "query": "call Ann and Bob",
        "tools": json.dumps([toydata.BY_NAME["call_contact"], toydata.BY_NAME["play_music"]]),
        "answers": json.dumps([
            {"name": "call_contact", "arguments": {"name": "Ann"}},
            {"name": "call_contact", "arguments": {"name": "Bob"}},
            {"name": "play_music", "arguments": {"song": "Caf\u00e9 \"X\"", "volume": 1, "extra": 10,
                                                 "opts": {"a": 1}, "list": [1, 2], "one": ["x"], "gain": 0.5,
                                                 "loud": True}},
        ])})
    rows.append({"query": "tell me a joke", "tools": json.dumps([toydata.BY_NAME["search_web"]]), "answers": "[]"})
    return rows


def stage_train_step():
    sp = tokenizer.load(TOKENIZER)
    rows = train_step_rows()
    with open(os.path.join(OUT, "train_step_rows.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    examples = [pipeline.build_example(sp, r, i, TS_MAX_ENC, TS_MAX_DEC) for i, r in enumerate(rows)]
    assert all(e is not None for e in examples)
    assert len({len(e["enc"]) for e in examples}) == len(examples), "distinct encoder lengths keep packing unambiguous"
    packed, bins = pipeline.pack(examples, TS_MAX_ENC, TS_MAX_DEC)
    batch = {k: torch.from_numpy(v) for k, v in packed.items()}

    params, cfg = checkpoint.load_checkpoint(os.path.join(OUT, "rand_a.pkl"))
    opt = train_step.NeedleOptimizer(params, TS_TOTAL_STEPS, adam_lr=TS_ADAM_LR, muon_lr=TS_MUON_LR)
    steps = []
    leaf_grad_norms = None
    for step in range(TS_STEPS):
        for v in params.values():
            v.requires_grad_(True)
        loss, ce, z = train_step.text_loss(params, cfg, batch, dropout=0.0)
        grads = torch.autograd.grad(loss, list(params.values()), allow_unused=True)
        # the contrastive head and log_temp are unused by the text loss: zero gradients (as JAX gives)
        grads = {k: torch.zeros_like(v) if g is None else g for (k, v), g in zip(params.items(), grads)}
        params = {k: v.detach() for k, v in params.items()}
        if step == 0:
            leaf_grad_norms = {k: float(torch.linalg.norm(g.flatten())) for k, g in grads.items()}
        gnorm, lr_adam, lr_muon = opt.step(params, grads)
        steps.append({"step": step, "loss": float(loss), "ce": float(ce), "z_loss": float(z), "grad_norm": gnorm,
                      "lr_adam": lr_adam, "lr_muon": lr_muon})
        checkpoint.save_checkpoint(os.path.join(OUT, f"train_step_after{step + 1}.pkl"), params, cfg, np.float32) \
            if step + 1 in (2, TS_STEPS) else None
        log(f"  step {step}: {steps[-1]}")

    cases = []
    for e in examples:
        s = e["answer_text"]
        cases.append({"answer": s, "pieces": sp.encode_as_pieces(s), "char_classes": pipeline.char_classes(s),
                      "token_classes": e["loss_class"][1:-1]})
    g = torch.Generator().manual_seed(5)
    ns = []
    for shape in [(5, 3), (3, 5), (4, 4)]:
        m = torch.randn(shape, generator=g)
        ns.append({"input": m.tolist(), "output": train_step.newton_schulz5(m).tolist()})
    wsd = {str(total): [train_step.wsd(t, total, 1.0) for t in range(total)] for total in (5, 20, 200)}
    write_json(os.path.join(OUT, "train_step.json"), {
        "start_checkpoint": "rand_a.pkl", "rows": "train_step_rows.jsonl",
        "max_enc_len": TS_MAX_ENC, "max_dec_len": TS_MAX_DEC, "class_weights": pipeline.CLASS_WEIGHTS,
        "z_loss": 1e-4, "dropout": 0.0,
        "optimizer": {"total_steps": TS_TOTAL_STEPS, "adam_lr": TS_ADAM_LR, "muon_lr": TS_MUON_LR,
                      "muon_momentum": 0.95, "muon_weight_decay": 0.01, "adam_b1": 0.9, "adam_b2": 0.95,
                      "adam_eps": 1e-8, "adam_weight_decay": 0.0, "max_grad_norm": 1.0, "warmup_ratio": 0.05,
                      "decay_ratio": 0.05},
        "examples": [{k: e[k] for k in ("enc", "dec_in", "dec_tgt", "loss_class", "answer_text", "tools_text")}
                     for e in examples],
        "packed": {k: v.tolist() for k, v in packed.items()}, "bins": bins,
        "steps": steps, "leaf_grad_norms_step0": leaf_grad_norms,
        "params_after": {"2": "train_step_after2.pkl", str(TS_STEPS): f"train_step_after{TS_STEPS}.pkl"},
        "loss_class_cases": cases, "newton_schulz5": ns, "wsd_peak1": wsd,
    })


def stage_text():
    """Pure-text goldens: snake_case, compact JSON (Python json.dumps), RandomState tool shuffle, tool-name
    normalization and restoration."""
    snake = ["getWeather", "getHTTPResponse", "weather.get", "Send.Message", "GetStockPRICE", "already_snake",
             "__lead__trail__", "a--b  c", "ABC", "ABCDef", "x1Y2", "HTTP2Server", "caf\u00e9Order", "名前", "", "get_URL"]
    compact_in = [
        '{"b": 1, "a": [1, 2.5, -0.0, 1e-05, 1.5e16, 1e16, 123456789012345678901, 0.1, 100.0, 1E3, 3.14159]}',
        '["caf\u00e9", "\ud83c\udf89 party", "tab\tnl\nquote\" back\\ slash/", "\u0001\u007f\u0080", "\u2028"]',
        '{"n": null, "t": true, "f": false, "nested": {"x": {"y": []}}, "e": {}}',
        '[NaN, Infinity, -Infinity, 1.0000000000000002, 5e-324, 1.7976931348623157e308, 0.0001, 0.00001]',
        'not json at all', '  [1,2]  ', '"just a string"',
    ]
    tools = json.dumps([toydata.BY_NAME[n] for n in ("get_weather", "send_message", "set_alarm", "play_music")])
    shuffle = [{"tools": t, "index": i, "out": pipeline.shuffle_tools(pipeline.compact(t), i)}
               for t in (tools, json.dumps([toydata.BY_NAME["search_web"]]), "[]", "oops")
               for i in (0, 1, 2, 41, 12345)]
    norm_in = [json.dumps([{"name": "getWeather", "parameters": {}}, {"name": "weather.get"}, {"description": "no name"},
                           "str", {"name": "already_snake"}]), '{"name": "notAList"}', "invalid", "[]"]
    normalize = []
    for t in norm_in:
        out, m = generate.normalize_tools(t)
        normalize.append({"tools": t, "out": out, "name_map": m})
    name_map = {"get_weather": "getWeather", "weather": "Weather", "send_message": "Send.Message"}
    restore_in = [' [{"name":"get_weather","arguments":{"location":"Paris"}}]',
                  ' [{"name":"send_message","arguments":{"text":"get_weather \u00e9"}},{"name":"other"}]',
                  ' {"name":"get_weather"}', ' [{"name":"get_weather"', " []", ' "weather"', " plain get_weather weather"]
    restore = [{"text": t, "name_map": name_map, "out": generate.restore_tool_names(t, name_map)} for t in restore_in]
    restore.append({"text": " [{\"name\":\"x\"}]", "name_map": {}, "out": generate.restore_tool_names(" [{\"name\":\"x\"}]", {})})
    sm_tools = json.dumps([{"name": "get_weather", "parameters": {"location": {"type": "string"}, "unit": {}}},
                           {"name": "send", "parameters": {"type": "object", "properties": {"to": {}}}}])
    sm_texts = [
        '<tool_call> [{"name":"get_weather","arguments":{"location":"Paris \\"x\\" {","unit":"c"}},'
        '{"name":"send","arguments":{"properties":{"a":"}"},"list":["}",1],"name":"x"}}]',
        ' [{"name": "get_weather", "arguments": {"location" : "Oslo"}}]',
        '[{"arguments":{"k":"v"},"name":"get_weather"}]',
    ]
    state_machine = []
    for text in sm_texts:
        names, ptries = constrained.build_constraints(sm_tools)
        st = constrained.ToolCallState(names, ptries)
        states = []
        for ch in text:
            st.feed(ch)
            node = st.active_node()
            states.append([st.mode, st.span, st.depth, st.in_string, st.in_arguments, st.arguments_depth,
                           st.current_function, -1 if node is None else int(node.terminal)])
        state_machine.append({"tools": sm_tools, "text": text, "states": states})
    write_json(os.path.join(OUT, "text_cases.json"), {
        "state_machine": state_machine,
        "snake_case": [{"in": x, "out": generate.to_snake_case(x)} for x in snake],
        "compact_json": [{"in": x, "out": pipeline.compact(x)} for x in compact_in],
        "shuffle_tools": shuffle, "normalize_tools": normalize, "restore_tool_names": restore,
    })


def stage_retrieval():
    """Section 9.2 with trained.pkl: tokenize (no specials), truncate to 256, pad to the batch max, encode_contrastive,
    dot-product scores, top-k by descending score."""
    sp = tokenizer.load(TOKENIZER)
    params, cfg = checkpoint.load_checkpoint(os.path.join(OUT, "trained.pkl"))
    tool_texts = [json.dumps(t, separators=(",", ":")) for t in toydata.TOOLS]
    queries = ["what is the weather in Paris", "text Bob saying hi", "play some music", "x " * 300]

    def embed(texts):
        ids = [sp.encode(t)[:256] for t in texts]
        width = max(map(len, ids))
        batch = torch.tensor([i + [0] * (width - len(i)) for i in ids])
        with torch.no_grad():
            return model.encode_contrastive(params, cfg, batch), ids

    t_emb, t_ids = embed(tool_texts)
    q_emb, q_ids = embed(queries)
    scores = q_emb @ t_emb.T
    cases = []
    for i, q in enumerate(queries):
        order = sorted(range(len(tool_texts)), key=lambda j: -float(scores[i, j]))
        cases.append({"query": q, "query_ids": q_ids[i], "scores": scores[i].tolist(), "top5": order[:5]})
    write_json(os.path.join(OUT, "retrieval.json"), {
        "checkpoint": "trained.pkl", "tool_texts": tool_texts, "tool_ids": t_ids, "cases": cases,
        "tool_embeddings": write_bin(OUT, "retrieval_tools.bin", t_emb)})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", default="tokenizer,random,trained,generation,train_step,text,retrieval")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    stages = {"tokenizer": stage_tokenizer, "random": stage_random, "trained": stage_trained,
              "generation": stage_generation, "train_step": stage_train_step, "text": stage_text,
              "retrieval": stage_retrieval}
    for s in args.stages.split(","):
        t = time.time()
        stages[s]()
        log(f"[{s}] {time.time() - t:.1f}s")


if __name__ == "__main__":
    main()
