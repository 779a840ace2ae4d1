#!/usr/bin/python3
"""Golden cases for Needle.Core.Json (PyJson): what CPython's json.loads / json.dumps / repr(float) produce.

Run with Debian's /usr/bin/python3:  /usr/bin/python3 tools/reference/json_dumps_fixtures.py
Writes tests/Needle.Core.Tests/Fixtures/Json/{roundtrip.jsonl,floats.jsonl}.

roundtrip.jsonl: one case per line, {"input_utf16": base64 of the input text as UTF-16LE (lone surrogates kept),
  "compact": json.dumps(json.loads(input), separators=(",", ":")) or null when json.loads raises,
  "spaced": json.dumps(json.loads(input)) or null}.
floats.jsonl: {"bits": 64-bit IEEE pattern as 16 hex digits, "repr": repr(x), "json": json.dumps(x)}.
"""
import base64
import json
import os
import random
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "Needle.Core.Tests", "Fixtures", "Json")

TEXTS = [
    # scalars
    'null', 'true', 'false', '0', '-0', '1', '-1', '123456789012345678901234567890', '-98765432109876543210',
    '1.0', '-0.0', '0.1', '0.2', '0.30000000000000004', '1e100', '1E100', '1e-5', '1e-05', '1.5e-7', '1e16', '1e15',
    '1e22', '1e23', '123456789012345678.0', '0.0001', '0.00001', '9999999999999998.0', '1e400', '-1e400', '1e-400',
    '5e-324', '1.7976931348623157e308', '2.5', '100.0', '3.14159', '1e+2', '1E-2', '12.50', '0.000123',
    'NaN', 'Infinity', '-Infinity',
    '"plain"', '""', '"caf\u00e9"', '"\\u00e9t\\u00e9"', '"emoji \U0001F600 ok"', '"\\ud83d\\ude00"', '"\\ud800"',
    '"\\udc00x"', '"a\\"b\\\\c\\/d"', '"\\b\\f\\n\\r\\t"', '"\\u0000\\u001f\\u007f\\u0080"', '"\u2581space"',
    '"tab\\tnew\\nline"', '"\\u2028\\u2029"', '"\\uFFFF\\uABCD"', '"\U0010FFFF"', '"<tool_call>"', '"\\u4e2d\\u6587"',
    # containers
    '[]', '{}', '[ ]', '{ }', ' [1, 2 , 3] ', '[1,[2,[3,[4,{}]]]]', '{"b":1,"a":2}', '{"a":1,"a":2,"b":3}',
    '{"a":1,"b":2,"a":3}', '{"x": {"y": [1, 2.0, "3", null, true, false]}}',
    '[{"name":"get_weather","arguments":{"location":"Paris","days":3,"metric":true}}]',
    '[{"name": "send_email", "description": "Send an email", "parameters": {"to": {"type": "string", "description": "Recipient", "required": true}}}]',
    '\n\t {"k" : "v" }\r\n', '[1e5, 10, 1.0e0, -0.5]', '{"": ""}', '{"\\u00fc": "\\u00fc"}',
    '{"nested": {"deep": {"deeper": [[[[]]]]}}}',
    # invalid (json.loads raises)
    '', ' ', '[', ']', '{', '[1,]', '{"a":1,}', '{a:1}', "{'a':1}", '01', '1.', '.5', '+1', '1e', '1e+', '-',
    '"unterminated', '"bad \\x escape"', '"\\u12"', '"\\u12G4"', '"raw\ncontrol"', '"raw\ttab"', 'nul', 'True',
    'nan', 'inf', '-inf', '[1 2]', '{"a" 1}', '1 2', '[1] x', '\ufeff[]', '\u00a0[]', '[-]', '[--1]', '{"a":}',
]

def fixed_cases():
    for t in TEXTS:
        try:
            v = json.loads(t)
            compact, spaced = json.dumps(v, separators=(",", ":")), json.dumps(v)
        except json.JSONDecodeError:
            compact = spaced = None
        yield {"input_utf16": base64.b64encode(t.encode("utf-16-le", "surrogatepass")).decode(),
               "compact": compact, "spaced": spaced}

def random_strings(rng, n):
    alphabet = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\x01', '\x7f', '\u00e9', '\u2581', '\u4e2d', '\U0001F600', '\ud800', '\udfff']
    for _ in range(n):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        t = json.dumps({"k" + s: [s, rng.randint(-10**20, 10**20), rng.random() * 10 ** rng.randint(-10, 20)]}, ensure_ascii=rng.random() < 0.5)
        v = json.loads(t)
        yield {"input_utf16": base64.b64encode(t.encode("utf-16-le", "surrogatepass")).decode(),
               "compact": json.dumps(v, separators=(",", ":")), "spaced": json.dumps(v)}

def float_cases(rng, n):
    specials = [0.0, -0.0, 0.1, 1e-4, 1e-5, 1e16, 1e15, 9007199254740993.0, 5e-324, 2.2250738585072014e-308,
                1.7976931348623157e308, 1 / 3, 2 / 3, 123.456, 1e-7, 1.5e-7, 0.5, 100.0, 1e22, 1e23]
    values = specials + [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(n)]
    values += [rng.uniform(-1e6, 1e6) for _ in range(n // 4)] + [round(rng.uniform(0, 100), rng.randint(0, 6)) for _ in range(n // 4)]
    for x in values:
        if x != x:
            continue  # NaN payloads all print as nan; covered by the roundtrip file
        bits = struct.unpack("<Q", struct.pack("<d", x))[0]
        yield {"bits": f"{bits:016x}", "repr": repr(x), "json": json.dumps(x)}

def write(name, rows):
    path = os.path.join(OUT, name)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    os.replace(tmp, path)

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(1234)
    write("roundtrip.jsonl", list(fixed_cases()) + list(random_strings(rng, 200)))
    write("floats.jsonl", list(float_cases(rng, 2000)))
