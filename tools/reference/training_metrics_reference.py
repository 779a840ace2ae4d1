#!/usr/bin/python3
"""Golden values for Needle.Core Training/ metrics: needle-model.md §6.1 (_quick_tool_eval scoring), §6.2
(_eval_pool + pools), §6.3 (benchmark_tool_calls scoring), restated over Python's own json/sets/round, plus numpy
RandomState pool sampling.

Run with Debian's python:  /usr/bin/python3 tools/reference/training_metrics_reference.py
Writes tests/Needle.Core.Tests/Fixtures/Training/metrics_reference.json
"""
import json
import os
import re

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "Needle.Core.Tests", "Fixtures", "Training", "metrics_reference.json")


def canon(v):
    return json.dumps(v, sort_keys=True)


def key_of(c, norm=None, default_empty=False):
    if not isinstance(c, dict):
        return None
    args = c.get("arguments", {} if default_empty else None)
    if norm:
        args = norm(args)
    return canon({"name": c.get("name"), "arguments": args})


def loads_or(text, fallback):
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return fallback


def as_calls(v):
    return v if isinstance(v, list) else ([v] if isinstance(v, dict) else [])


def names(calls):
    return {c["name"] for c in calls if isinstance(c, dict) and "name" in c}


def by_name(calls):
    out = {}
    for c in calls:
        if isinstance(c, dict) and "name" in c:
            out.setdefault(c["name"], []).append(c.get("arguments", {}))
    return out


def f1(tp, fp, fn):
    return 2 * tp / max(2 * tp + fp + fn, 1)


# ---- §6.1 -----------------------------------------------------------------------------------------------------------
def quick(examples, preds):
    samples = [(e, p) for e, p in zip(examples, preds) if e["answers"].strip() not in ("", "[]")]
    if not samples:
        return None
    n = len(samples)
    parse_ok = exact = ntp = nfp = nfn = ctp = cfp = cfn = aok = atot = 0
    per_tool = {}
    for ex, pred in samples:
        pred = pred.strip()
        ref = loads_or(ex["answers"].strip(), [])
        try:
            pc = as_calls(json.loads(pred))
            parse_ok += 1
        except ValueError:
            pc = []
        rks = sorted(k for k in (key_of(c) for c in ref) if k)
        pks = sorted(k for k in (key_of(c) for c in pc) if k)
        if rks == pks and len(rks) == len(ref) and len(pks) == len(pc):
            exact += 1
        rn, pn = names(ref), names(pc)
        ntp += len(pn & rn); nfp += len(pn - rn); nfn += len(rn - pn)
        rk = {key_of(c) for c in ref} - {None}
        pk = {key_of(c) for c in pc} - {None}
        ctp += len(pk & rk); cfp += len(pk - rk); cfn += len(rk - pk)
        rb = by_name(ref)
        for c in pc:
            if isinstance(c, dict) and "name" in c and c["name"] in rb:
                atot += 1
                if any(canon(c.get("arguments", {})) == canon(ra) for ra in rb[c["name"]]):
                    aok += 1
        for c in ref:
            if not isinstance(c, dict) or "name" not in c:
                continue
            t = per_tool.setdefault(c["name"], {"correct": 0, "total": 0})
            t["total"] += 1
            if any(isinstance(p, dict) and p.get("name") == c["name"]
                   and canon(p.get("arguments", {})) == canon(c.get("arguments", {})) for p in pc):
                t["correct"] += 1
    return {"call_f1": round(f1(ctp, cfp, cfn), 4), "name_f1": round(f1(ntp, nfp, nfn), 4),
            "exact_match": round(exact / n, 4), "parse_rate": round(parse_ok / n, 4),
            "args_acc": round(aok / max(atot, 1), 4), "n": n, "per_tool": per_tool}


# ---- §6.2 / §6.3 (shared body; bench=True switches to the benchmark's normalization and wording) ------------------
def snake(name):
    s = re.sub(r"[^A-Za-z0-9_]+", "_", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"_+", "_", s)
    return s.lower().strip("_")


def norm_value(v):
    if isinstance(v, str):
        try:
            v = str(float(v))
        except ValueError:
            pass
        s = v.strip().lower()
        if s.startswith("at "):
            s = s[3:].strip()
        if s.startswith("today at "):
            s = s[len("today at "):].strip()
        return s
    if isinstance(v, float):
        return str(v)
    return v


def norm_args(a):
    return {k: norm_value(v) for k, v in a.items()} if isinstance(a, dict) else a


def score_pool(examples, preds, bench):
    nv = norm_value if bench else (lambda v: v)
    na = norm_args if bench else (lambda a: a)
    kf = (lambda c: key_of(c, norm_args, True)) if bench else key_of
    st = dict(n=0, exact=0, ntp=0, nfp=0, nfn=0, ctp=0, cfp=0, cfn=0, perr=0, aok=0, atot=0, hal=0, pp=0, miss=0, rp=0,
              cv=0, mt=0, eref=0, epred=0)
    per = [[0] * 9 for _ in range(11)]
    failures = []
    for ex, pred in zip(examples, preds):
        pred = pred.strip()
        if bench:
            ref_text = ex["answers"]
            ref = loads_or(ref_text, [])
            for c in ref:
                if isinstance(c, dict) and "name" in c:
                    c["name"] = snake(c["name"])
            try:
                raw = json.loads(pred)
                for c in (raw if isinstance(raw, list) else [raw]):
                    if isinstance(c, dict) and "name" in c:
                        c["name"] = snake(c["name"])
                pred = json.dumps(raw)
            except ValueError:
                pass
            tool_defs = loads_or(ex["tools"], [])
            for td in tool_defs if isinstance(tool_defs, list) else []:
                if isinstance(td, dict) and "name" in td:
                    td["name"] = snake(td["name"])
            parsed = True
            try:
                pc = as_calls(json.loads(pred))
            except ValueError:
                parsed = False
                st["perr"] += 1
                pc = []
            ref_empty = ref_text.strip() in ("", "[]")
            pred_empty = pred.strip() in ("", "[]")
            st["eref"] += ref_empty
            st["epred"] += pred_empty
            t = 0
        else:
            try:
                tool_defs = json.loads(ex["tools"])
                t = min(len(tool_defs), 10)
            except (ValueError, TypeError):
                tool_defs, t = [], 0
            ref_text = ex["answers"].strip()
            ref_empty = ref_text in ("", "[]")
            pred_empty = pred in ("", "[]")
            ref = loads_or(ref_text, []) if not ref_empty else []
            parsed = True
            if pred_empty:
                pc = []
            else:
                try:
                    pc = as_calls(json.loads(pred))
                except ValueError:
                    parsed = False
                    st["perr"] += 1
                    per[t][8] += 1
                    pc = []
        st["n"] += 1
        per[t][0] += 1
        ex_ok = (ref_empty and pred_empty) or (not ref_empty and not pred_empty and
                                                sorted(k for k in map(kf, ref) if k) == sorted(k for k in map(kf, pc) if k)
                                                and len([k for k in map(kf, ref) if k]) == len(ref)
                                                and len([k for k in map(kf, pc) if k]) == len(pc))
        if ex_ok:
            st["exact"] += 1
            per[t][1] += 1
        rn, pn = names(ref), names(pc)
        for i, v in ((2, len(pn & rn)), (3, len(pn - rn)), (4, len(rn - pn))):
            per[t][i] += v
        st["ntp"] += len(pn & rn); st["nfp"] += len(pn - rn); st["nfn"] += len(rn - pn)
        rk = {kf(c) for c in ref} - {None}
        pk = {kf(c) for c in pc} - {None}
        for i, v in ((5, len(pk & rk)), (6, len(pk - rk)), (7, len(rk - pk))):
            per[t][i] += v
        st["ctp"] += len(pk & rk); st["cfp"] += len(pk - rk); st["cfn"] += len(rk - pk)
        rb = by_name(ref)
        for c in pc:
            if isinstance(c, dict) and "name" in c and c["name"] in rb:
                st["atot"] += 1
                pa = canon(na(c.get("arguments", {})))
                if any(pa == canon(na(ra)) for ra in rb[c["name"]]):
                    st["aok"] += 1
        pmap = {tt["name"]: set((tt.get("parameters") or {}).keys())
                for tt in (tool_defs if isinstance(tool_defs, list) else []) if isinstance(tt, dict) and "name" in tt}
        for c in pc:
            if not isinstance(c, dict) or "name" not in c or c["name"] not in pmap:
                continue
            pkeys = set((c.get("arguments") or {}).keys())
            st["pp"] += len(pkeys)
            st["hal"] += len(pkeys - pmap[c["name"]])
            if c["name"] in rb:
                ra = rb[c["name"]][0]
                rkeys = set((ra if isinstance(ra, dict) else {}).keys())
                st["rp"] += len(rkeys)
                st["miss"] += len(rkeys - pkeys)
                m = pkeys & rkeys
                st["mt"] += len(m)
                st["cv"] += sum(canon(nv(c["arguments"][k])) == canon(nv(ra[k])) for k in m)
        fail_exact = (ref_empty and pred_empty) or (not ref_empty and not pred_empty and
                                                     sorted(k for k in map(kf, ref) if k) == sorted(k for k in map(kf, pc) if k)
                                                     and len(ref) == len(pc))
        if not fail_exact and len(failures) < (50 if bench else 30):
            reasons = []
            if bench and not parsed:
                reasons.append("json_parse_error")
            fp, fn = pn - rn, rn - pn
            if fp:
                reasons.append("wrong_tools:" + ",".join(sorted(fp)))
            if fn:
                reasons.append("missing_tools:" + ",".join(sorted(fn)))
            if not fp and not fn and pn:
                for c in pc:
                    if not isinstance(c, dict) or "name" not in c or c["name"] not in rb:
                        continue
                    pa, ra = c.get("arguments", {}), rb[c["name"]][0]
                    for k in sorted(set(pa) | set(ra)):
                        pv, rv = pa.get(k, "<MISSING>"), ra.get(k, "<MISSING>")
                        if canon(nv(pv)) != canon(nv(rv)):
                            cut = 60 if bench else 50
                            d = f"{c['name']}.{k}={json.dumps(pv)[:cut]}!={json.dumps(rv)[:cut]}"
                            reasons.append("value_mismatch:" + d if bench else d)
            if ref_empty and not pred_empty:
                reasons.append("false_positive:should_be_empty" if bench else "false_positive")
            if not ref_empty and pred_empty:
                reasons.append("false_negative:predicted_empty" if bench else "false_negative")
            failures.append({"query": ex["query"][:200 if bench else 150], "ref": ref_text[:300 if bench else 200],
                             "pred": pred[:300 if bench else 200], "reasons": reasons or ["unknown"]})
    n = st["n"]
    if n == 0:
        return None
    out = {"n": n, "parse_rate": 1.0 - st["perr"] / n, "exact_match": st["exact"] / n,
           "args_acc": st["aok"] / max(st["atot"], 1), "param_haluc": st["hal"] / max(st["pp"], 1),
           "param_miss": st["miss"] / max(st["rp"], 1), "value_acc": st["cv"] / max(st["mt"], 1), "failures": failures}
    if bench:
        np_ = st["ntp"] / max(st["ntp"] + st["nfp"], 1); nr = st["ntp"] / max(st["ntp"] + st["nfn"], 1)
        cp = st["ctp"] / max(st["ctp"] + st["cfp"], 1); cr = st["ctp"] / max(st["ctp"] + st["cfn"], 1)
        out.update(name_precision=np_, name_recall=nr, name_f1=2 * np_ * nr / max(np_ + nr, 1e-9),
                   call_precision=cp, call_recall=cr, call_f1=2 * cp * cr / max(cp + cr, 1e-9),
                   empty_ref_pct=st["eref"] / n, empty_pred_pct=st["epred"] / n)
    else:
        out.update(name_f1=f1(st["ntp"], st["nfp"], st["nfn"]), call_f1=f1(st["ctp"], st["cfp"], st["cfn"]), per_count=per)
    return out


TOOLS = json.dumps([
    {"name": "get_weather", "description": "Weather", "parameters": {"location": {"type": "string"}, "unit": {"type": "string"}}},
    {"name": "setAlarm", "description": "Alarm", "parameters": {"time": {"type": "string"}, "label": {"type": "string"}}},
    {"name": "send_message", "description": "Msg", "parameters": {"to": {"type": "string"}, "body": {"type": "string"}}},
], separators=(",", ":"))


def ex(q, answers, tools=TOOLS):
    return {"query": q, "tools": tools, "answers": json.dumps(answers, separators=(",", ":")) if not isinstance(answers, str) else answers}


def cases():
    W = lambda loc, **kw: {"name": "get_weather", "arguments": dict(location=loc, **kw)}
    A = lambda t, **kw: {"name": "setAlarm", "arguments": dict(time=t, **kw)}
    rows = [
        (ex("weather paris", [W("Paris")]), '[{"name":"get_weather","arguments":{"location":"Paris"}}]'),
        (ex("weather rome", [W("Rome", unit="c")]), ' [{"name": "get_weather", "arguments": {"unit": "c", "location": "Rome"}}] '),
        (ex("weather oslo", [W("Oslo")]), '[{"name":"get_weather","arguments":{"location":"oslo"}}]'),
        (ex("alarm 7", [A("7:00")]), '{"name":"setAlarm","arguments":{"time":"at 7:00"}}'),
        (ex("alarm 8", [A("8:00", label="work")]), '[{"name":"setAlarm","arguments":{"time":"8:00","lbl":"work"}}]'),
        (ex("two calls", [W("A"), A("9:00")]), '[{"name":"setAlarm","arguments":{"time":"9:00"}},{"name":"get_weather","arguments":{"location":"A"}}]'),
        (ex("two calls b", [W("A"), W("B")]), '[{"name":"get_weather","arguments":{"location":"A"}}]'),
        (ex("num", [{"name": "send_message", "arguments": {"to": "bob", "body": 1}}]), '[{"name":"send_message","arguments":{"to":"bob","body":1.0}}]'),
        (ex("num2", [{"name": "send_message", "arguments": {"to": "74.0060", "body": "x"}}]), '[{"name":"send_message","arguments":{"to":"74.006","body":"X "}}]'),
        (ex("no args", [{"name": "send_message"}]), '[{"name":"send_message","arguments":{}}]'),
        (ex("bare number", [W("X")]), '42'),
        (ex("broken", [W("X")]), '[{"name":"get_weather","arguments":{"location":"X"}'),
        (ex("empty pred", [W("Y")]), ''),
        (ex("empty ref", "[]"), '[]'),
        (ex("empty ref fp", "[]"), '[{"name":"get_weather","arguments":{"location":"Z"}}]'),
        (ex("wrong tool", [W("Q")]), '[{"name":"send_message","arguments":{"to":"Q"}}]'),
        (ex("dup", [W("D"), W("D")]), '[{"name":"get_weather","arguments":{"location":"D"}}]'),
        (ex("camel", [{"name": "setAlarm", "arguments": {"time": "today at 10:00"}}]), '[{"name":"set_alarm","arguments":{"time":"10:00"}}]'),
        (ex("no tools", [W("N")], tools="[]"), '[{"name":"get_weather","arguments":{"location":"N"}}]'),
        (ex("bad tools", [W("N")], tools="not json"), '[{"name":"get_weather","arguments":{"location":"N"}}]'),
        (ex("many tools", [W("M")], tools=json.dumps([{"name": f"t{i}"} for i in range(12)] + [{"name": "get_weather", "parameters": {"location": {}}}])),
         '[{"name":"get_weather","arguments":{"location":"M","extra":true}}]'),
        (ex("null args", [{"name": "get_weather", "arguments": None}]), '[{"name":"get_weather","arguments":null}]'),
        (ex("unicode \u00e9\U0001F600" * 20, [W("Z\u00fcrich")]), '[{"name":"get_weather","arguments":{"location":"Zurich"}}]'),
    ]
    examples = [r[0] for r in rows]
    preds = [r[1] for r in rows]
    return examples, preds


def pools(examples, epoch, per_bucket):
    rng = np.random.RandomState(epoch + 42)
    buckets = {n: {t: [] for t in range(11)} for n in ("single", "multi")}
    for k, e in enumerate(examples):
        a = loads_or(e["answers"], None)
        if not a or not isinstance(a, list):
            continue
        try:
            nc = min(len(json.loads(e["tools"])), 10)
        except (ValueError, TypeError):
            nc = 0
        buckets["single" if len(a) == 1 else "multi"][nc].append(k)
    out = {}
    for name in ("single", "multi"):
        pool = []
        for t in range(11):
            b = np.array(buckets[name][t])
            if len(b) > 0:
                rng.shuffle(b)
                pool.extend(b[:per_bucket].tolist())
        rng.shuffle(pool)
        out[name] = pool
    return out


def display(examples, epoch):
    with_, without = [], []
    for k in np.random.RandomState(epoch + 7).permutation(len(examples)):
        if len(with_) >= 4 and len(without) >= 1:
            break
        empty = examples[k]["answers"].strip() in ("", "[]")
        if not empty and len(with_) < 4:
            with_.append(int(k))
        elif empty and len(without) < 1:
            without.append(int(k))
    return with_ + without


def pool_examples():
    rs = np.random.RandomState(5)
    out = []
    for i in range(140):
        nt = int(rs.randint(0, 13))
        ncalls = int(rs.randint(0, 3))
        tools = json.dumps([{"name": f"t{j}"} for j in range(nt)])
        answers = json.dumps([{"name": "t0", "arguments": {"i": i}} for _ in range(ncalls)])
        out.append({"query": f"q{i}", "tools": tools, "answers": answers})
    return out


def main():
    examples, preds = cases()
    pe = pool_examples()
    data = {
        "examples": examples, "predictions": preds,
        "quick": quick(examples, preds),
        "pool": score_pool(examples, preds, bench=False),
        "bench": score_pool([json.loads(json.dumps(e)) for e in examples], preds, bench=True),
        "round": [{"x": x, "r": round(x, 4)} for x in (0.03125, 0.00005, 0.12345, 2 / 3, 0.83335, 1 / 7, 0.99995, 5 / 6, 0.5, 1.0)],
        "snake": [{"in": s, "out": snake(s)} for s in ("getHTTPResponse", "weather.get", "setAlarm", "already_snake", "ABC", "a--b__c", "caf\u00e9Bar", "_x_", "HTMLParser2Go")],
        "pool_examples": pe,
        "pools": [{"epoch": ep, "per_bucket": pb, **pools(pe, ep, pb)} for ep, pb in ((0, 50), (3, 2))],
        "display": [{"epoch": ep, "indices": display(pe, ep)} for ep in (0, 1)],
        "bench_pools": pools(pe, 0, max(1, 30 // 14)),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
