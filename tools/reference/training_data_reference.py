#!/usr/bin/python3
"""Golden values for Needle.Core Data/ and Training/ (data side): Python's own random, numpy's legacy RandomState,
json.dumps, and the upstream data-preparation rules of needle-model.md §3 and §5.2 re-stated with Python's re/json.

Run with Debian's python (numpy 1.24):  /usr/bin/python3 tools/reference/training_data_reference.py
Writes tests/Needle.Core.Tests/Fixtures/Training/data_reference.json
"""
import json
import math
import os
import random
import re

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "Needle.Core.Tests", "Fixtures", "Training", "data_reference.json")


# ---- random number generators -------------------------------------------------------------------------------------
def py_random_cases():
    cases = []
    for seed in (42, 0, 7, 123456789):
        rng = random.Random(seed)
        seqs = []
        for n in (2, 3, 5, 10, 17, 64, 300):
            x = list(range(n))
            rng.shuffle(x)
            seqs.append(x)
        cases.append({"seed": seed, "sizes": [2, 3, 5, 10, 17, 64, 300], "shuffles": seqs})
    return cases


def np_random_cases():
    cases = []
    for seed in (0, 1, 2, 5, 42, 1000):
        rs = np.random.RandomState(seed)
        seqs = []
        for n in (2, 3, 4, 9, 33):
            x = list(range(n))
            rs.shuffle(x)
            seqs.append(x)
        perm = np.random.RandomState(seed).permutation(50).tolist()
        rs2 = np.random.RandomState(seed)
        ints = [int(rs2.randint(k)) for k in (1, 2, 3, 7, 10, 100, 1000, 65537)]
        cases.append({"seed": seed, "sizes": [2, 3, 4, 9, 33], "shuffles": seqs, "permutation50": perm,
                      "randint_highs": [1, 2, 3, 7, 10, 100, 1000, 65537], "randints": ints})
    return cases


# ---- json ---------------------------------------------------------------------------------------------------------
JSON_INPUTS = [
    '[{"name": "get_weather", "arguments": {"location": "Paris"}}]',
    '{"b": 1, "a": [1, 2.0, -0.0, 1e-05, 0.0001, 123456789012345678, 1e16, 1.5e16, 9999999999999998.0]}',
    '{"s": "caf\\u00e9 \\ud83d\\ude00 \\"q\\" back\\\\slash\\n\\t\\r\\b\\f\\u0001\\u007f~ /"}',
    '[true, false, null, 3.14, -2.5e-07, 1E3, 12345678901234567890123, 0.1, 0.30000000000000004]',
    '{"a": 1, "a": 2, "b": {"x": [], "y": {}}}',
    '[NaN, Infinity, -Infinity, 1e400, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]',
    '  [1 , 2 ]  ',
    '"just a string"',
    '{"z": {"b": 2, "a": 1}, "y": [{"d": 1, "c": 2}], "\\u00e9": 0, "A": 1}',
    '[123.456, 100.0, 1e+22, 1.0e-4, 0.00012, 65.5, 72.0, 1234567.125]',
]

INVALID_JSON = ['', '[', '{"a":}', '[1,]', "{'a': 1}", '01', '1.', '[1] x', '"\\x"', '{"a" 1}', 'nul', '"tab\there"']


def json_cases():
    out = []
    for s in JSON_INPUTS:
        v = json.loads(s)
        out.append({
            "input": s,
            "compact": json.dumps(v, separators=(",", ":")),
            "compact_unicode": json.dumps(v, separators=(",", ":"), ensure_ascii=False),
            "default": json.dumps(v),
            "sorted": json.dumps(v, sort_keys=True),
            "indent2": json.dumps(v, indent=2),
        })
    for s in INVALID_JSON:
        try:
            json.loads(s)
            raise SystemExit("expected invalid: " + s)
        except ValueError:
            pass
    floats = [0.1, 1.0, 1e-4, 1e-5, 123.0, 1e15, 1e16, 1.2345678901234567e-300, 3.0e-5, 2.5, 1 / 3, 2 / 3 * 1e20,
              -7.25e-9, 4.35, 0.000123456, 9.999999999999999e15]
    return out, INVALID_JSON, [{"value": f, "repr": repr(f)} for f in floats]


# ---- per-tool split (needle-model.md §5.2 step 3) -----------------------------------------------------------------
def per_tool_split(examples, val_per_tool=10, test_per_tool=10, seed=42):
    rng = random.Random(seed)
    buckets = {}
    for i, ex in enumerate(examples):
        try:
            calls = json.loads(ex.get("answers", "[]"))
        except (ValueError, TypeError):
            calls = []
        if not isinstance(calls, list):
            calls = []
        names = [c["name"] for c in calls if isinstance(c, dict) and "name" in c]
        buckets.setdefault(names[0] if names else "__no_tool__", []).append(i)
    train, val, test = [], [], []
    for _, idx in buckets.items():
        rng.shuffle(idx)
        n = len(idx)
        if n < val_per_tool + test_per_tool:
            if n == 1:
                nt, nv = 1, 0
            elif n == 2:
                nt, nv = 1, 1
            else:
                nt = max(1, n // 3)
                nv = max(1, (n - nt) // 3)
        else:
            nt, nv = test_per_tool, val_per_tool
        test += idx[:nt]
        val += idx[nt:nt + nv]
        train += idx[nt + nv:]
    fallback = False
    if not train:
        fallback = True
        pool = val + test
        random.Random(42).shuffle(pool)
        n = len(pool)
        t = max(1, n // 5)
        v = max(1, n // 5)
        test, val, train = pool[:t], pool[t:t + v], pool[t + v:]
    return {"train": train, "val": val, "test": test, "fallback": fallback}


def make_split_dataset(counts, seed):
    r = random.Random(seed)
    rows = []
    for name, c in counts:
        for k in range(c):
            if name is None:
                ans = "[]"
            else:
                ans = json.dumps([{"name": name, "arguments": {"x": k}}])
            rows.append({"query": f"q {name} {k}", "tools": "[]", "answers": ans})
    r.shuffle(rows)  # interleave so bucket first-appearance order is non-trivial
    return rows


def split_cases():
    cases = []
    specs = [
        [("alpha", 27), ("beta", 20), ("gamma", 19), ("delta", 5), ("eps", 3), ("zeta", 2), ("eta", 1), (None, 8)],
        [("only", 120)],
        [("a", 1), ("b", 2), ("c", 1), ("d", 2), ("e", 2)],   # every bucket tiny -> empty train -> fallback
        [("t1", 4), ("t2", 7), ("t3", 21), (None, 1)],
    ]
    for k, spec in enumerate(specs):
        rows = make_split_dataset(spec, 100 + k)
        cases.append({"examples": rows, "expected": per_tool_split(rows)})
    return cases


# ---- tools shuffling (needle-model.md §3.1 step 2) ----------------------------------------------------------------
def shuffle_tools_json(tools_str, seed):
    try:
        tools = json.loads(tools_str)
    except (ValueError, TypeError):
        return tools_str
    if not isinstance(tools, list):
        return tools_str
    rng = np.random.RandomState(seed)
    if len(tools) > 1:
        rng.shuffle(tools)
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        params = tool.get("parameters")
        if isinstance(params, dict) and len(params) > 1:
            keys = list(params.keys())
            rng.shuffle(keys)
            tool["parameters"] = {k: params[k] for k in keys}
        top = list(tool.keys())
        if len(top) > 1:
            rng.shuffle(top)
            shuffled = {k: tool[k] for k in top}
            tool.clear()
            tool.update(shuffled)
    return json.dumps(tools, separators=(",", ":"))


TOOLS = [
    json.dumps([
        {"name": "get_weather", "description": "Get the weather", "parameters": {
            "location": {"type": "string", "description": "City", "required": True},
            "unit": {"type": "string", "description": "c or f", "required": False},
            "days": {"type": "integer", "description": "Days", "required": False}}},
        {"name": "set_alarm", "description": "Set an alarm", "parameters": {
            "time": {"type": "string", "description": "HH:MM", "required": True}}},
        {"name": "play_music", "description": "Play a song \u00e9", "parameters": {
            "song": {"type": "string"}, "artist": {"type": "string"}, "volume": {"type": "number"},
            "shuffle": {"type": "boolean"}}},
        "not a dict",
    ]),
    '[{"name":"one","description":"d","parameters":{}}]',
    '{"name":"not a list"}',
    'not json',
    '[]',
]


def shuffle_cases():
    return [{"tools": t, "seed": s, "expected": shuffle_tools_json(t, s)} for t in TOOLS for s in (0, 1, 2, 3, 17, 99)]


# ---- loss classes (needle-model.md §3.4), first match for names/values, every match for keys ----------------------
def mark_value(s, cls, key, value_str, c):
    m = re.search(f'"{re.escape(key)}"\\s*:\\s*"{re.escape(value_str)}"', s)
    if m:
        tail = s[m.start() + len(f'"{key}"'):m.end()]
        start = m.start() + len(f'"{key}"') + tail.index(f'"{value_str}"') + 1
        end = start + len(value_str)
        cls[start:end] = np.maximum(cls[start:end], c)
        return
    m = re.search(f'"{re.escape(key)}"\\s*:\\s*{re.escape(value_str)}', s)
    if m:
        start = m.start() + s[m.start():m.end()].index(':') + 1
        while start < m.end() and s[start] == ' ':
            start += 1
        cls[start:m.end()] = np.maximum(cls[start:m.end()], c)


def mark_key(s, cls, key, c):
    for m in re.finditer(f'"{re.escape(key)}"\\s*:', s):
        a = m.start() + 1
        cls[a:a + len(key)] = np.maximum(cls[a:a + len(key)], c)


def char_classes(s):
    cls = np.zeros(len(s), dtype=np.int8)
    try:
        calls = json.loads(s)
    except ValueError:
        return cls
    if not isinstance(calls, list):
        return cls
    for call in calls:
        if not isinstance(call, dict):
            continue
        name = call.get("name", "")
        if name and isinstance(name, str):
            mark_value(s, cls, "name", name, 1)
        args = call.get("arguments", {})
        if isinstance(args, dict):
            for k, v in args.items():
                mark_key(s, cls, k, 3)
                mark_value(s, cls, k, v if isinstance(v, str) else json.dumps(v), 2)
    return cls


def align(s, cls, pieces, n):
    out = [0] * n
    pos = 0
    for i, p in enumerate(pieces):
        if i >= n:
            break
        raw = p.replace("\u2581", " ")
        L = len(raw)
        if L > 0 and pos + L <= len(s):
            out[i] = int(cls[pos:pos + L].max())
            pos += L
        else:
            pos += max(L, 1)
    return out


ANSWERS = [
    [{"name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}}],
    [{"name": "set_alarm", "arguments": {"time": "07:30", "days": 10, "repeat": True}}],
    [{"name": "f", "arguments": {"n": 1, "m": 10}}, {"name": "f", "arguments": {"n": 10, "m": 1}}],
    [{"name": "send", "arguments": {"name": "Bob", "to": ["a", "b"], "meta": {"k": 1}, "one": [5], "q": "say \"hi\"",
                                     "e": "caf\u00e9", "x": None, "y": 2.5, "z": 1e-05, "empty": ""}}],
    [],
    [{"name": "a", "arguments": {}}, {"name": "b"}],
    [{"name": "time", "arguments": {"time": "time"}}],
]


def class_cases():
    out = []
    for a in ANSWERS:
        s = json.dumps(a, separators=(",", ":"))
        cls = char_classes(s)
        # Pieces of a toy segmentation: dummy prefix on the first piece, then 3-char chunks, one byte-fallback piece.
        pieces = ["\u2581" + s[:2]] + [s[i:i + 3] for i in range(2, len(s), 3)]
        if len(pieces) > 3:
            pieces[3] = "<0x41>"
        out.append({"answer": s, "char_classes": cls.tolist(), "pieces": pieces,
                    "token_classes": align(s, cls, pieces, len(pieces))})
    out.append({"answer": "not json", "char_classes": [0] * 8, "pieces": ["\u2581not", "\u2581json"],
                "token_classes": [0, 0]})
    return out


def main():
    cases, invalid, floats = json_cases()
    data = {
        "python_random": py_random_cases(),
        "numpy_random": np_random_cases(),
        "json": cases,
        "json_invalid": invalid,
        "float_repr": floats,
        "split": split_cases(),
        "shuffle_tools": shuffle_cases(),
        "loss_classes": class_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
