#!/usr/bin/python3
"""Golden cases for Needle.Core.Inference.Constrained: grammar-constrained greedy decoding (needle-model.md §7) over
a real SentencePiece BPE vocabulary, with a deterministic pseudo-model, so the C# port can replay every choice.

Run: /usr/bin/python3 tools/reference/constrained_fixtures.py
Writes tests/Needle.Core.Tests/Fixtures/Generation/bpe-600.model (the trained tokenizer, also used by the end-to-end
generation tests) and tests/Needle.Core.Tests/Fixtures/Generation/constrained_cases.json:
  {"pieces": [piece per id], "cases": [{"tools": snake-cased compact tools JSON, "desired": [ids],
   "constrained": [ids chosen], "unconstrained": [ids chosen]}]}

The decoding logic below is written from the spec (§7), independently of the C# code. The pseudo-model's logits
at step s: noise(id, s) = ((id * 7919 + s * 104729) % 1009) / 1009 for every id, plus 5 for desired[s] (the
encoding of a deliberately wrong answer, then EOS). Decoding stops at EOS or after MAX_STEPS tokens.
"""
import json
import os
import random
import tempfile

import numpy as np
import sentencepiece as spm

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "Needle.Core.Tests", "Fixtures", "Generation")
EOS = 1
MAX_STEPS = 80


# ---- the spec's algorithm -----------------------------------------------------------------------------------------

def token_strings(sp):
    out = []
    for i in range(sp.GetPieceSize()):
        if sp.IsControl(i) or sp.IsUnknown(i):
            out.append("")
        elif sp.IsByte(i):
            out.append(chr(int(sp.IdToPiece(i)[3:5], 16)))
        else:
            out.append(sp.IdToPiece(i).replace("\u2581", " "))
    return out


def make_trie(words):
    root = {"kids": {}, "end": False}
    for w in words:
        n = root
        for ch in w:
            n = n["kids"].setdefault(ch, {"kids": {}, "end": False})
        n["end"] = True
    return root


def walk(trie, text):
    n = trie
    for ch in text:
        n = n["kids"].get(ch)
        if n is None:
            return None
    return n


def constraints(tools_json):
    try:
        tools = json.loads(tools_json)
    except json.JSONDecodeError:
        tools = []
    if not isinstance(tools, list):
        tools = []
    names, params = [], {}
    for t in tools:
        if not isinstance(t, dict) or not t.get("name"):
            continue
        names.append(t["name"])
        p = t.get("parameters", {})
        if isinstance(p, dict):
            params[t["name"]] = make_trie([k for k, v in p.items() if k and isinstance(v, dict)])
    return make_trie(names), params


class Tracker:
    def __init__(self):
        self.state, self.text, self.span, self.func = "free", "", "", ""
        self.in_args, self.args_depth, self.depth, self.in_str, self.esc = False, 0, 0, False, False

    def feed(self, s):
        for ch in s:
            self.text += ch
            if self.state != "free":
                if ch == '"':
                    if self.state == "name":
                        self.func = self.span
                    self.span, self.state = "", "free"
                else:
                    self.span += ch
                continue
            if self.in_str:
                if self.esc:
                    self.esc = False
                elif ch == "\\":
                    self.esc = True
                elif ch == '"':
                    self.in_str = False
                continue
            if ch in "{[":
                self.depth += 1
            elif ch in "}]":
                self.depth = max(0, self.depth - 1)
                if ch == "}" and self.in_args and self.depth < self.args_depth:
                    self.in_args = False
                continue
            if not self.in_args and self.text.endswith('"name":"'):
                self.state, self.span = "name", ""
            elif self.text.endswith('"arguments":{'):
                self.in_args, self.args_depth = True, self.depth
            elif self.in_args and self.depth == self.args_depth and self.text[-2:] in ('{"', ',"'):
                self.state, self.span = "key", ""
            elif ch == '"' and self.text[:-1].rstrip(" \t\n\r")[-1:] == ":":
                self.in_str = True


def valid_token(s, node):
    for ch in s:
        if ch == '"':
            return node["end"]
        node = node["kids"].get(ch)
        if node is None:
            return False
    return True


def choose(logits, tracker, name_trie, param_tries, strings):
    if tracker.state == "free":
        return int(np.argmax(logits))
    trie = name_trie if tracker.state == "name" else param_tries.get(tracker.func)
    if trie is None:
        return int(np.argmax(logits))
    node = walk(trie, tracker.span)
    if node is None:
        return int(np.argmax(logits))
    firsts = set(node["kids"]) | ({'"'} if node["end"] else set())
    mask = np.array([bool(s) and s[0] in firsts and valid_token(s, node) for s in strings] +
                    [False] * (len(logits) - len(strings)))
    if not mask.any():
        return int(np.argmax(logits))
    return int(np.argmax(np.where(mask, logits, -np.inf)))


def run(desired, tools_json, strings, vocab, constrained):
    name_trie, param_tries = constraints(tools_json)
    tracker, out = Tracker(), []
    for step in range(MAX_STEPS):
        ids = np.arange(vocab, dtype=np.int64)
        logits = (((ids * 7919 + step * 104729) % 1009) / 1009.0).astype(np.float32)
        logits[desired[step] if step < len(desired) else EOS] += np.float32(5.0)
        tok = choose(logits, tracker, name_trie, param_tries, strings) if constrained else int(np.argmax(logits))
        tracker.feed(strings[tok])
        if tok == EOS:
            break
        out.append(tok)
    return out


# ---- data -----------------------------------------------------------------------------------------------------------

TOOLS = [
    [{"name": "get_weather", "description": "Current weather for a city", "parameters": {"city": {"type": "string", "description": "City name", "required": True}, "unit": {"type": "string", "description": "celsius or fahrenheit", "required": False}}}],
    [{"name": "send_email", "description": "Send an email", "parameters": {"to": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"}}},
     {"name": "send_sms", "description": "Send a text", "parameters": {"number": {"type": "string"}, "message": {"type": "string"}}}],
    [{"name": "set_timer", "description": "Start a timer", "parameters": {"minutes": {"type": "integer"}, "label": {"type": "string"}}},
     {"name": "set_alarm", "description": "Set an alarm", "parameters": {"time": {"type": "string"}}}],
    [{"name": "search_flights", "description": "Find flights", "parameters": {"origin": {"type": "string"}, "destination": {"type": "string"}, "date": {"type": "string"}}}],
    [{"name": "create_event", "description": "Calendar", "parameters": {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}}],
]

# Answers a model might wrongly produce: near-miss names and keys, unknown tools, nested values, arrays with braces.
WRONG = [
    (0, '[{"name":"get_wether","arguments":{"cty":"Paris","unit":"celsius"}}]'),
    (0, '[{"name":"weather","arguments":{"location":"Tokyo"}}]'),
    (1, '[{"name":"send_mail","arguments":{"to":"a@b.com","subj":"Hi","body":"Hello \\"there\\""}},{"name":"send_sms","arguments":{"number":"555","msg":"ok"}}]'),
    (2, '[{"name":"set_timer","arguments":{"minutes":10,"labels":["{tea}","x"],"label":"tea"}}]'),
    (2, '[{"name":"set_alarms","arguments":{"time":"7:00","extra":{"name":"nested"}}}]'),
    (3, '[{"name":"search_flight","arguments":{"origin":"SFO","dest":"JFK","date":"2024-05-01"}}]'),
    (4, '[{"name":"create_events","arguments":{"title":"Standup","properties":{"title":"x"}}}]'),
    (0, '[]'),
    (1, '[{"name":"send_émail","arguments":{"tö":"ü"}}]'),
]


def corpus(rng):
    lines = []
    words = "what is the weather in paris tokyo send an email to bob set a timer for ten minutes find flights from sfo".split()
    for _ in range(3000):
        t = rng.choice(TOOLS)
        lines.append(" ".join(rng.choice(words) for _ in range(rng.randint(3, 9))))
        lines.append(json.dumps(t, separators=(",", ":")))
        lines.append(rng.choice(WRONG)[1])
    return lines


if __name__ == "__main__":
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "corpus.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(corpus(rng)) + "\n")
        spm.SentencePieceTrainer.Train(
            input=text, model_prefix=os.path.join(tmp, "m"), model_type="bpe", vocab_size=600, byte_fallback=True,
            character_coverage=1.0, pad_id=0, eos_id=1, bos_id=2, unk_id=3, user_defined_symbols=["<tool_call>", "<tools>"],
            normalization_rule_name="identity", minloglevel=2)
        sp = spm.SentencePieceProcessor(model_file=os.path.join(tmp, "m.model"))
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(tmp, "m.model"), "rb") as src, open(os.path.join(OUT, "bpe-600.model.tmp"), "wb") as dst:
            dst.write(src.read())
        os.replace(os.path.join(OUT, "bpe-600.model.tmp"), os.path.join(OUT, "bpe-600.model"))
    strings = token_strings(sp)
    cases = []
    for tool_index, wrong in WRONG:
        tools_json = json.dumps(TOOLS[tool_index], separators=(",", ":"))
        desired = [4] + sp.Encode(wrong)
        cases.append({"tools": tools_json, "desired": desired,
                      "constrained": run(desired, tools_json, strings, sp.GetPieceSize(), True),
                      "unconstrained": run(desired, tools_json, strings, sp.GetPieceSize(), False)})
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "constrained_cases.json")
    with open(path + ".tmp", "w", encoding="ascii") as f:
        json.dump({"pieces": [sp.IdToPiece(i) for i in range(sp.GetPieceSize())], "cases": cases}, f)
    os.replace(path + ".tmp", path)
    for c in cases:
        print(repr(sp.Decode(c["constrained"])))
