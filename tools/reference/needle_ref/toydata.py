"""Deterministic toy tool-calling data (Needle JSONL rows: query, tools (JSON string), answers (JSON string))."""
import json
import random


def _p(typ, desc, req=True):
    return {"type": typ, "description": desc, "required": req}


TOOLS = [
    {"name": "get_weather", "description": "Get the current weather for a location",
     "parameters": {"location": _p("string", "City name"), "unit": _p("string", "celsius or fahrenheit", False)}},
    {"name": "send_message", "description": "Send a text message to a contact",
     "parameters": {"recipient": _p("string", "Contact name"), "message": _p("string", "Message text")}},
    {"name": "set_alarm", "description": "Set an alarm",
     "parameters": {"time": _p("string", "Alarm time like 7:30"), "label": _p("string", "Alarm label", False)}},
    {"name": "play_music", "description": "Play a song",
     "parameters": {"song": _p("string", "Song title"), "volume": _p("integer", "Volume 0-100", False)}},
    {"name": "get_stock_price", "description": "Get the latest stock price",
     "parameters": {"symbol": _p("string", "Ticker symbol")}},
    {"name": "call_contact", "description": "Phone a contact",
     "parameters": {"name": _p("string", "Contact name")}},
    {"name": "create_reminder", "description": "Create a reminder",
     "parameters": {"title": _p("string", "What to remember"), "minutes": _p("integer", "Minutes from now")}},
    {"name": "search_web", "description": "Search the web",
     "parameters": {"query": _p("string", "Search terms")}},
]
BY_NAME = {t["name"]: t for t in TOOLS}

CITIES = ["Paris", "London", "Tokyo", "Berlin", "Madrid", "Rome", "Boston", "Denver", "Oslo", "Cairo", "Lima", "Seoul"]
PEOPLE = ["Alice", "Bob", "Carol", "Dave", "Emma", "Frank", "Grace", "Henry", "Ivy", "Jack"]
MESSAGES = ["I am running late", "see you soon", "call me back", "happy birthday", "dinner is ready", "on my way"]
TIMES = ["6:00", "6:30", "7:00", "7:15", "7:45", "8:00", "9:30", "10:00"]
LABELS = ["work", "gym", "school", "meds"]
SONGS = ["Yellow", "Hello", "Imagine", "Believer", "Halo", "Dreams", "Africa", "Roxanne"]
SYMBOLS = ["AAPL", "MSFT", "GOOG", "TSLA", "AMZN", "NVDA"]
TOPICS = ["pasta recipes", "cheap flights", "python tutorials", "local news", "running shoes", "moon landing"]
TITLES = ["buy milk", "water the plants", "take out trash", "pay rent", "walk the dog"]
CHATTER = ["hello there", "how are you today", "tell me a joke", "thanks a lot", "what can you do", "good morning"]


def _call(rng):
    """(query phrase, call dict) for one random tool."""
    name = rng.choice([t["name"] for t in TOOLS])
    if name == "get_weather":
        c = rng.choice(CITIES)
        if rng.random() < 0.3:
            u = rng.choice(["celsius", "fahrenheit"])
            return f"what is the weather in {c} in {u}", {"name": name, "arguments": {"location": c, "unit": u}}
        return rng.choice([f"what is the weather in {c}", f"weather for {c}", f"is it raining in {c}"]), \
            {"name": name, "arguments": {"location": c}}
    if name == "send_message":
        r, m = rng.choice(PEOPLE), rng.choice(MESSAGES)
        return f"text {r} saying {m}", {"name": name, "arguments": {"recipient": r, "message": m}}
    if name == "set_alarm":
        t = rng.choice(TIMES)
        if rng.random() < 0.4:
            lab = rng.choice(LABELS)
            return f"set an alarm for {t} called {lab}", {"name": name, "arguments": {"time": t, "label": lab}}
        return f"wake me up at {t}", {"name": name, "arguments": {"time": t}}
    if name == "play_music":
        s = rng.choice(SONGS)
        if rng.random() < 0.4:
            v = rng.choice([20, 50, 80, 100])
            return f"play {s} at volume {v}", {"name": name, "arguments": {"song": s, "volume": v}}
        return f"play the song {s}", {"name": name, "arguments": {"song": s}}
    if name == "get_stock_price":
        s = rng.choice(SYMBOLS)
        return f"how is {s} stock doing", {"name": name, "arguments": {"symbol": s}}
    if name == "call_contact":
        p = rng.choice(PEOPLE)
        return f"call {p}", {"name": name, "arguments": {"name": p}}
    if name == "create_reminder":
        t, m = rng.choice(TITLES), rng.choice([5, 10, 15, 30, 60])
        return f"remind me to {t} in {m} minutes", {"name": name, "arguments": {"title": t, "minutes": m}}
    q = rng.choice(TOPICS)
    return f"search the web for {q}", {"name": name, "arguments": {"query": q}}


def make_example(rng):
    """One JSONL row as a dict. Tools: the called tools plus 0-2 distractors, in random order."""
    r = rng.random()
    if r < 0.1:
        query, calls = rng.choice(CHATTER), []
    elif r < 0.25:
        q1, c1 = _call(rng)
        q2, c2 = _call(rng)
        while c2["name"] == c1["name"]:
            q2, c2 = _call(rng)
        query, calls = f"{q1} and {q2}", [c1, c2]
    else:
        q1, c1 = _call(rng)
        query, calls = q1, [c1]
    names = [c["name"] for c in calls]
    others = [t["name"] for t in TOOLS if t["name"] not in names]
    names += rng.sample(others, rng.randint(0 if calls else 1, 1))
    rng.shuffle(names)
    tools = [BY_NAME[n] for n in names]
    if rng.random() < 0.5:
        query = query[0].upper() + query[1:]
    if rng.random() < 0.5:
        query += "?" if query.lower().startswith(("what", "how", "is")) else "."
    return {"query": query, "tools": json.dumps(tools), "answers": json.dumps(calls)}


def make_dataset(n, seed):
    rng = random.Random(seed)
    return [make_example(rng) for _ in range(n)]


def tokenizer_corpus():
    """Lines for spm_train: compact and spaced JSON of tools and calls, queries, and a few non-ASCII lines."""
    lines = []
    for ex in make_dataset(3000, 1234):
        lines.append(ex["query"])
        tools = json.loads(ex["tools"])
        lines.append(json.dumps(tools, separators=(",", ":")))
        lines.append("<tool_call>" + json.dumps(json.loads(ex["answers"]), separators=(",", ":")))
    lines += ["Wie ist das Wetter in München?", "Réveille-moi à 7h", "東京の天気は？", "emoji 🎉 party",
              "getWeather sendMessage weather.get HTTPRequest camelCaseName"]
    return lines
