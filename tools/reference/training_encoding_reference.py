#!/usr/bin/python3
"""Golden values for Needle.Core Training/ExampleEncoder + SequencePacker with a real SentencePiece model:
prepare_tool_call_pairs (needle-model.md §3.1-3.4) restated with Python's json and sentencepiece 0.1.97 on the
Needle-like test tokenizer (tests/Needle.Core.Tests/Fixtures/Tokenizer/needle-like-8192.model, made by
make_tokenizer_fixtures.py), and pack_sequences (§3.5) with a stable argsort for ties.

Run with Debian's python:  /usr/bin/python3 tools/reference/training_encoding_reference.py
Writes tests/Needle.Core.Tests/Fixtures/Training/encoding_reference.json
"""
import json
import os
import random
import sys

import numpy as np
import sentencepiece as spm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from training_data_reference import align, char_classes, shuffle_tools_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "tests", "Needle.Core.Tests", "Fixtures", "Tokenizer", "needle-like-8192.model")
OUT = os.path.join(ROOT, "tests", "Needle.Core.Tests", "Fixtures", "Training", "encoding_reference.json")
MAX_ENC, MAX_DEC = 1024, 512


def compact(s):
    try:
        return json.dumps(json.loads(s), separators=(",", ":"))
    except ValueError:
        return s


def prepare(rows, sp):
    out = []
    for i, ex in enumerate(rows):
        ans = compact(ex["answers"])
        tools = shuffle_tools_json(compact(ex["tools"]), i)
        cap = max(MAX_ENC, MAX_DEC)
        q = sp.encode(ex["query"])[:cap]
        t = sp.encode(tools)[:cap]
        a = sp.encode(ans)[:cap]
        q = q[:MAX_ENC - 2]
        enc = q + [5] + t[:MAX_ENC - len(q) - 1]
        if len(a) + 3 > MAX_DEC:
            continue
        cls = align(ans, char_classes(ans), sp.encode(ans, out_type=str), len(a))
        out.append({"index": i, "enc": enc, "dec_in": [1, 4] + a, "dec_tgt": [4] + a + [1],
                    "classes": [0] + cls + [0], "tools_text": tools, "answer_text": ans})
    return out


def pack(encoded):
    enc_lens = np.array([len(e["enc"]) for e in encoded])
    dec_lens = np.array([len(e["dec_in"]) for e in encoded])
    order = np.argsort(-enc_lens, kind="stable")
    rem_e, rem_d, contents = [], [], []
    for idx in order:
        el, dl = int(enc_lens[idx]), int(dec_lens[idx])
        for b in range(len(contents)):
            if rem_e[b] >= el and rem_d[b] >= dl:
                rem_e[b] -= el; rem_d[b] -= dl; contents[b].append(int(idx))
                break
        else:
            rem_e.append(MAX_ENC - el); rem_d.append(MAX_DEC - dl); contents.append([int(idx)])
    return contents


def contrastive(data_rows, encoded, sp, batch_size, seed):
    queries, tools, tool_q, is_pos = [], [], [], []
    for e in sorted(encoded, key=lambda x: x["index"]):
        local = len(queries)
        queries.append(sp.encode(data_rows[e["index"]]["query"])[:MAX_ENC])
        try:
            calls = json.loads(data_rows[e["index"]]["answers"])
        except ValueError:
            calls = []
        pos = {c["name"] for c in calls if isinstance(c, dict) and "name" in c} if isinstance(calls, list) else set()
        try:
            tl = json.loads(e["tools_text"])
        except ValueError:
            tl = []
        for tool in tl if isinstance(tl, list) else []:
            if not isinstance(tool, dict):
                continue
            tools.append(sp.encode(json.dumps(tool, separators=(",", ":")))[:256])
            tool_q.append(local)
            is_pos.append(tool.get("name", "") in pos)
    rng = np.random.RandomState(seed)
    pos_map = {}
    for t in range(len(tool_q)):
        if is_pos[t]:
            pos_map.setdefault(tool_q[t], []).append(t)
    idx = np.array([i for i in range(len(queries)) if i in pos_map])
    rng.shuffle(idx)
    batches = []
    for st in range(0, len(idx) - batch_size + 1, batch_size):
        qs = idx[st:st + batch_size]
        ts = [pos_map[int(q)][rng.randint(len(pos_map[int(q)]))] for q in qs]
        batches.append({"queries": [int(q) for q in qs], "tools": [int(t) for t in ts]})
    return {"queries": queries, "tools": tools, "tool_query": tool_q, "is_pos": is_pos, "batch_size": batch_size,
            "seed": seed, "batches": batches}


def retrieval():
    rs = np.random.RandomState(11)
    groups = []
    for _ in range(30):
        n = int(rs.randint(1, 9))
        scores = rs.normal(0, 1, n).astype(np.float32)
        pos = sorted(set(int(x) for x in rs.choice(n, size=int(rs.randint(1, n + 1)), replace=False)))
        groups.append({"scores": scores.tolist(), "pos": pos})
    recall = {k: 0 for k in range(1, 6)}
    mrr = 0.0
    for g in groups:
        ranked = np.argsort(-np.array(g["scores"], dtype=np.float32), kind="stable")
        for r, i in enumerate(ranked):
            if int(i) in g["pos"]:
                mrr += 1.0 / (r + 1)
                break
        for k in recall:
            if set(ranked[:k].tolist()) & set(g["pos"]):
                recall[k] += 1
    return {"groups": groups, "recall": [recall[k] / len(groups) for k in range(1, 6)], "mrr": mrr / len(groups)}


def rows():
    r = random.Random(3)
    tools = [
        {"name": "get_weather", "description": "Get the current weather for a city", "parameters": {
            "location": {"type": "string", "description": "City name", "required": True},
            "unit": {"type": "string", "description": "celsius or fahrenheit", "required": False}}},
        {"name": "set_alarm", "description": "Set an alarm", "parameters": {
            "time": {"type": "string", "description": "Time like 07:30", "required": True},
            "label": {"type": "string", "description": "Label", "required": False},
            "repeat": {"type": "boolean", "description": "Repeat daily", "required": False}}},
        {"name": "send_message", "description": "Send a text message", "parameters": {
            "to": {"type": "string", "description": "Recipient", "required": True},
            "body": {"type": "string", "description": "Message text", "required": True}}},
    ]
    tj = json.dumps(tools)
    out = [
        {"query": "What's the weather in Paris?", "tools": tj,
         "answers": json.dumps([{"name": "get_weather", "arguments": {"location": "Paris"}}])},
        {"query": "Wake me at 7:30 every day, label it gym", "tools": tj,
         "answers": json.dumps([{"name": "set_alarm", "arguments": {"time": "07:30", "label": "gym", "repeat": True}}])},
        {"query": "Tell Bob \"hi\" and check weather in Zürich in celsius", "tools": tj,
         "answers": json.dumps([{"name": "send_message", "arguments": {"to": "Bob", "body": "hi"}},
                                {"name": "get_weather", "arguments": {"location": "Zürich", "unit": "celsius"}}])},
        {"query": "Tell me a joke", "tools": tj, "answers": "[]"},
        {"query": "Weather in Rome and in Oslo", "tools": tj,
         "answers": json.dumps([{"name": "get_weather", "arguments": {"location": "Rome"}},
                                {"name": "get_weather", "arguments": {"location": "Oslo"}}])},
        {"query": "Text 5551234 that I'm late <tool_call>", "tools": json.dumps(tools[2:]),
         "answers": json.dumps([{"name": "send_message", "arguments": {"to": "5551234", "body": "I'm late \U0001F600"}}])},
        {"query": "numbers", "tools": "[]",
         "answers": json.dumps([{"name": "f", "arguments": {"n": 10, "x": 2.5, "l": [1, 2], "o": {"a": 1}, "z": None}}])},
        {"query": "word " * 1100, "tools": tj, "answers": json.dumps([{"name": "get_weather", "arguments": {"location": "X"}}])},
        {"query": "too long answer", "tools": tj,
         "answers": json.dumps([{"name": "send_message", "arguments": {"to": "A", "body": " ".join(f"w{k}" for k in range(400))}}])},
        {"query": "invalid answers stay as text", "tools": "not json", "answers": "[{oops"},
    ]
    for k in range(25):
        city = r.choice(["Paris", "Lyon", "Berlin", "Tokyo", "Lima", "Cairo"])
        out.append({"query": f"weather {city} please {'!' * r.randint(0, 40)}", "tools": json.dumps(tools[:r.randint(1, 3)]),
                    "answers": json.dumps([{"name": "get_weather", "arguments": {"location": city}}])})
    return out


def main():
    sp = spm.SentencePieceProcessor(model_file=MODEL)
    data_rows = rows()
    enc = prepare(data_rows, sp)
    data = {"examples": data_rows, "encoded": enc, "bins": pack(enc),
            "contrastive": contrastive(data_rows, enc, sp, 4, 42), "retrieval": retrieval()}
    with open(OUT, "w") as f:
        json.dump(data, f)
    print("wrote", OUT, len(enc), "kept of", len(data_rows))


if __name__ == "__main__":
    main()
