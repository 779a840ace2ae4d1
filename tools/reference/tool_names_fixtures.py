#!/usr/bin/python3
"""Golden cases for Needle.Core.Inference.ToolNames: upstream Needle's inference-time name handling
(needle-model.md §9.1), written here from that spec with Python's own re and json modules.

Run: /usr/bin/python3 tools/reference/tool_names_fixtures.py
Writes tests/Needle.Core.Tests/Fixtures/Generation/tool_names.json:
  {"snake": [[name, to_snake_case(name)], ...],
   "normalize": [[tools_json, normalized_json, [[snake, original], ...]], ...],
   "restore": [[pred_text, [[snake, original], ...], restored], ...]}
"""
import json
import os
import re

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "Needle.Core.Tests", "Fixtures", "Generation")


def to_snake_case(name):
    s = re.sub(r"[^a-zA-Z0-9_]+", "_", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"_+", "_", s)
    return s.lower().strip("_")


def normalize_tools(tools_json):
    try:
        tools = json.loads(tools_json)
    except json.JSONDecodeError:
        return tools_json, {}
    name_map = {}
    for t in tools:
        if isinstance(t, dict) and "name" in t:
            snake = to_snake_case(t["name"])
            name_map[snake] = t["name"]
            t["name"] = snake
    return json.dumps(tools, separators=(",", ":")), name_map


def restore_tool_names(pred, name_map):
    if not name_map:
        return pred
    try:
        calls = json.loads(pred)
    except json.JSONDecodeError:
        for snake, orig in sorted(name_map.items(), key=lambda kv: len(kv[0]), reverse=True):
            pred = pred.replace(snake, orig)
        return pred
    if isinstance(calls, list):
        for c in calls:
            if isinstance(c, dict) and "name" in c:
                c["name"] = name_map.get(c["name"], c["name"])
    elif isinstance(calls, dict) and "name" in calls:
        calls["name"] = name_map.get(calls["name"], calls["name"])
    return json.dumps(calls, separators=(",", ":"))


NAMES = ["get_weather", "getWeather", "GetWeather", "getHTTPResponse", "HTTPServer", "weather.get", "send-email",
         "Send Email Now", "__private__", "a__b", "ABC", "ABCDef", "aB1C", "v2Api", "get2FACode", "café_au_lait",
         "名前", "x", "", "___", "already_snake", "CamelCaseName", "with space", "dots.and-dashes", "iPhoneX",
         "XMLHttpRequest", "getURLForID", "a1B2C3", "UPPER_CASE", "mixed_CaseName", "emoji😀tool", "tab\tname"]

TOOLS = [
    '[]', '[{"name": "getWeather", "description": "Weather", "parameters": {"city": {"type": "string"}}}]',
    '[{"name":"sendEmail"},{"name":"send_email"},{"description":"no name"},42,"x"]',
    '[{"name": "weather.get", "parameters": {}}, {"name": "HTTPGet", "parameters": {"url": {"type": "string"}}}]',
    '{"name": "notAList"}', '"just a string"', 'not json at all', '[{"name": "caf\\u00e9Menu"}]',
    '[{"name": "ABC"}, {"name": "abc"}]', '[ {"parameters": {"b": 1, "a": 2.0}, "name": "zZ"} ]',
]

PREDS = [
    ' [{"name":"get_weather","arguments":{"city":"Paris"}}]', ' []', '[]', ' [{"name":"send_email","arguments":{}},{"name":"other"}]',
    ' [{"name":"get_weather","arguments":{"city":"Par', 'get_weather and get_weather_now', ' {"name":"get_weather"}',
    ' 42', ' [1, "get_weather", {"arguments": {}}]', ' [{"name":"http_get","arguments":{"url":"http://x/get_weather"}}]',
    ' [{"name":"get_weather","arguments":{"t":1.50,"u":1e5,"v":"\\u00e9"}}]', '',
]

MAPS = [
    {"get_weather": "getWeather"}, {"get_weather": "getWeather", "get_weather_now": "GetWeatherNow"},
    {"send_email": "send_email", "http_get": "HTTPGet"}, {}, {"": "___", "http_get": "HTTP.get"},
]

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    out = {
        "snake": [[n, to_snake_case(n)] for n in NAMES],
        "normalize": [[t, *(lambda r: [r[0], [[k, v] for k, v in r[1].items()]])(normalize_tools(t))] for t in TOOLS],
        "restore": [[p, [[k, v] for k, v in m.items()], restore_tool_names(p, dict(m))] for p in PREDS for m in MAPS],
    }
    path = os.path.join(OUT, "tool_names.json")
    with open(path + ".tmp", "w", encoding="ascii") as f:
        json.dump(out, f, indent=1)
    os.replace(path + ".tmp", path)
