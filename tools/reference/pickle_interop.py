#!/usr/bin/python3
"""Python side of the .pkl interop tests (Debian python3 + python3-numpy 1.24).

  pickle_interop.py fixtures OUT_DIR         write the fixtures under tests/Needle.Core.Tests/Fixtures/Pickle/
  pickle_interop.py check FILE.pkl EXPECTED  load FILE.pkl with Python's pickle + numpy and compare it with a JSON
                                             description (what our C# Pickler meant to write); exit 1 on mismatch

Expected JSON: {"params": {"a/b": {"shape": [..], "dtype": "float16", "values": [float32 values, C order]}},
                "config": {...}, "extra": {...}}
For "check", values are float32 numbers that numpy itself narrows to the stored dtype, so the test also checks our
float32 -> float16 rounding against numpy's.
"""
import collections
import io
import json
import os
import pickle
import sys
import types

import numpy as np

# A small config with the real structure (needle-model.md §1.3/§1.4): the key subset of a fresh `train` run, plus
# vocab_size (the default 8192 would make the fixtures large).
TINY_CONFIG = {
    "vocab_size": 32, "d_model": 16, "num_heads": 2, "num_kv_heads": 1, "num_encoder_layers": 2, "num_decoder_layers": 1,
    "d_ff": 64, "max_seq_len": 32, "dtype": "bfloat16", "num_memory_slots": 4, "contrastive_dim": 8,
}


def attention(d, h, kv, hd, layers):
    return {
        "q_proj": {"kernel": (layers, d, h * hd)}, "k_proj": {"kernel": (layers, d, kv * hd)},
        "v_proj": {"kernel": (layers, d, kv * hd)}, "q_norm": {"scale": (layers, hd)},
        "k_norm": {"scale": (layers, hd)}, "out_proj": {"kernel": (layers, h * hd, d)},
    }


def layout(cfg):
    """Nested dict of shapes, as upstream's Flax init produces it (written independently of the C# layout)."""
    d, h, kv = cfg["d_model"], cfg["num_heads"], cfg["num_kv_heads"]
    hd, le, ld, c, v = d // h, cfg["num_encoder_layers"], cfg["num_decoder_layers"], cfg["contrastive_dim"], cfg["vocab_size"]
    return {
        "embedding": {"embedding": (v, d)},
        "encoder": {
            "layers": {"EncoderBlock_0": {
                "attn_gate": (le,), "ZCRMSNorm_0": {"scale": (le, d)}, "self_attn": attention(d, h, kv, hd, le)}},
            "final_norm": {"scale": (d,)},
        },
        "decoder": {
            "layers": {"DecoderBlock_0": {
                "self_attn_gate": (ld,), "ZCRMSNorm_0": {"scale": (ld, d)}, "self_attn": attention(d, h, kv, hd, ld),
                "cross_attn_gate": (ld,), "ZCRMSNorm_1": {"scale": (ld, d)}, "cross_attn": attention(d, h, kv, hd, ld)}},
            "ZCRMSNorm_0": {"scale": (d,)},
        },
        "contrastive_hidden": {"kernel": (d, c), "bias": (c,)},
        "contrastive_proj": {"kernel": (c, c)},
        "log_temp": (),
    }


def sorted_tree(tree):
    """JAX's tree_map rebuilds dicts with sorted keys."""
    return {k: sorted_tree(tree[k]) if isinstance(tree[k], dict) else tree[k] for k in sorted(tree)}


def fill(tree, rng, prefix=""):
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out[k] = fill(v, rng, prefix + k + "/")
        else:
            # np.asarray keeps shape () a 0-d ndarray (like upstream's log_temp), not a numpy scalar.
            out[k] = np.asarray(rng.standard_normal(v) * 0.5).astype(np.float32).astype(np.float16)
    return out


def flatten(tree, prefix=""):
    for k, v in tree.items():
        if isinstance(v, dict):
            yield from flatten(v, prefix + k + "/")
        else:
            yield prefix + k, v


def describe(ckpt, dtype_names=None):
    params = {}
    for path, a in flatten(ckpt["params"]):
        name = (dtype_names or {}).get(path, a.dtype.name)
        values = a.astype(np.float64).ravel(order="C") if name != "bfloat16" else a
        params[path] = {"shape": list(a.shape), "dtype": name, "values": [float(x) for x in np.asarray(values).ravel()]}
    extra = {k: plain(v) for k, v in ckpt.items() if k not in ("params", "config")}
    return {"params": params, "config": {k: plain(v) for k, v in ckpt["config"].items()}, "extra": extra,
            "config_keys": list(ckpt["config"].keys())}  # the JSON object itself is written with sorted keys


def plain(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def write(path, obj, protocol):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")


# ---- bfloat16 without ml_dtypes --------------------------------------------------------------------------------
# ml_dtypes registers bfloat16 as a numpy user type whose scalar type is named "ml_dtypes.bfloat16"; numpy pickles
# such a dtype as numpy.dtype(<the type object>, False, True) + BUILD state. Debian has no ml_dtypes, so a stand-in
# module with a class of that name lets Python's own pickler emit exactly that stream.
def bfloat16_array(values_f32):
    fake = types.ModuleType("ml_dtypes")

    class bfloat16:  # noqa: N801 - the name is the point
        pass

    bfloat16.__module__ = "ml_dtypes"
    bfloat16.__qualname__ = "bfloat16"
    fake.bfloat16 = bfloat16
    sys.modules["ml_dtypes"] = fake

    bits = (values_f32.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)  # the values are exact in bf16

    class DTypeProxy:
        def __reduce__(self):
            return (np.dtype, (bfloat16, False, True), (3, "<", None, None, None, 2, 2, 0x70))

    dtype = DTypeProxy()

    class ArrayProxy:
        def __reduce__(self):
            return (np.core.multiarray._reconstruct, (np.ndarray, (0,), b"b"),
                    (1, values_f32.shape, dtype, False, bits.tobytes()))

    return ArrayProxy()


# ---- numpy 2.x module names on numpy 1.24 -----------------------------------------------------------------------
# numpy 2 pickles arrays as numpy._core.multiarray._reconstruct (protocol <= 4) or numpy._core.numeric._frombuffer
# (protocol 5); dtypes stay numpy.dtype. Stand-in modules under those names let Python's pickler write such streams.
def _numpy2_functions():
    if "numpy._core.multiarray" not in sys.modules:
        core, multiarray, numeric = (types.ModuleType(n) for n in ("numpy._core", "numpy._core.multiarray", "numpy._core.numeric"))
        core.multiarray, core.numeric = multiarray, numeric
        sys.modules.update({"numpy._core": core, "numpy._core.multiarray": multiarray, "numpy._core.numeric": numeric})

        def _reconstruct(*args):
            raise AssertionError("only pickled, never called")

        def _frombuffer(*args):
            raise AssertionError("only pickled, never called")

        for fn, mod in ((_reconstruct, multiarray), (_frombuffer, numeric)):
            fn.__module__, fn.__qualname__ = mod.__name__, fn.__name__
            setattr(mod, fn.__name__, fn)
    return sys.modules["numpy._core.multiarray"]._reconstruct, sys.modules["numpy._core.numeric"]._frombuffer


def numpy2_tree(tree, protocol):
    _reconstruct, _frombuffer = _numpy2_functions()

    class Array:
        def __init__(self, a):
            self.a = a

        def __reduce__(self):
            a = self.a
            if protocol >= 5:
                return (_frombuffer, (pickle.PickleBuffer(bytearray(a.tobytes())), a.dtype, a.shape, "C"))
            return (_reconstruct, (np.ndarray, (0,), b"b"), (1, a.shape, a.dtype, False, a.tobytes()))

    return {k: numpy2_tree(v, protocol) if isinstance(v, dict) else Array(v) for k, v in tree.items()}


def fixtures(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.RandomState(0)
    params = sorted_tree(fill(layout(TINY_CONFIG), rng))
    ckpt = {"params": params, "config": dict(TINY_CONFIG)}
    for protocol in (2, 4, 5):
        write(os.path.join(out, f"tiny_p{protocol}.pkl"), ckpt, protocol)
    write_json(os.path.join(out, "tiny_expected.json"), describe(ckpt))
    for protocol in (4, 5):
        write(os.path.join(out, f"tiny_numpy2_p{protocol}.pkl"),
              {"params": numpy2_tree(params, protocol), "config": dict(TINY_CONFIG)}, protocol)

    # Pretrain-style: extra top-level int, config as an OrderedDict with a numpy scalar, plus one missing leaf
    # (contrastive_proj) and one unexpected leaf so the validator has something to report.
    broken = sorted_tree(fill(layout(TINY_CONFIG), np.random.RandomState(1)))
    del broken["contrastive_proj"]
    broken["encoder"]["final_norm"]["scale"] = np.zeros((15,), np.float16)
    broken["extra_head"] = {"kernel": np.ones((2, 2), np.float16)}
    cfg = collections.OrderedDict(TINY_CONFIG)
    cfg["num_heads"] = np.int64(2)
    cfg["activation"] = "swiglu"
    cfg["no_feedforward"] = True
    cfg["rope_theta"] = 10000.0
    cfg["big_int"] = 2 ** 40          # LONG1
    cfg["negative"] = -5
    cfg["text"] = "h\u00e9llo \u2713"  # non-ASCII UTF-8
    cfg["nothing"] = None
    odd = {"params": broken, "config": cfg, "pretrain_step": 123456}
    write(os.path.join(out, "pretrain_like_p4.pkl"), odd, 4)
    write_json(os.path.join(out, "pretrain_like_expected.json"), describe(odd))

    # Every dtype / memory order / byte order the reader converts.
    r = np.random.RandomState(2)
    base = (r.standard_normal((3, 4)) * 4).astype(np.float32)
    bf = (base.view(np.uint32) & 0xFFFF0000).view(np.float32)  # values exactly representable in bfloat16
    dtypes = {
        "f16": base.astype(np.float16),
        "f32": base,
        "f64": base.astype(np.float64) / 3.0,
        "i32": np.arange(-6, 6, dtype=np.int32).reshape(3, 4),
        "i64": np.arange(12, dtype=np.int64).reshape(3, 4) * 1000003,
        "u8": np.arange(12, dtype=np.uint8).reshape(3, 4),
        "b1": (base > 0),
        "be_f4": base.astype(">f4"),
        "be_f2": base.astype(">f2"),
        "fortran_f4": np.asfortranarray(base),
        "fortran_3d": np.asfortranarray(r.standard_normal((2, 3, 4)).astype(np.float16)),
        "scalar": np.array(0.25, dtype=np.float16),
        "empty": np.zeros((0, 3), dtype=np.float16),
    }
    for protocol in (2, 4, 5):
        write(os.path.join(out, f"dtypes_p{protocol}.pkl"), {"params": dtypes, "config": {}}, protocol)
    write_json(os.path.join(out, "dtypes_expected.json"), describe({"params": dtypes, "config": {}}))

    # bfloat16 leaf in ml_dtypes' pickled form.
    buf = io.BytesIO()
    pickle.dump({"params": {"w": bfloat16_array(bf)}, "config": {}}, buf, protocol=4)
    with open(os.path.join(out, "bfloat16_p4.pkl"), "wb") as f:
        f.write(buf.getvalue())
    write_json(os.path.join(out, "bfloat16_expected.json"),
               {"params": {"w": {"shape": list(bf.shape), "dtype": "bfloat16", "values": [float(x) for x in bf.ravel()]}},
                "config": {}, "extra": {}})

    # float32 -> float16 rounding reference: ties, subnormals, overflow, signed zero, inf, nan.
    tricky = np.array([0.0, -0.0, 1.0, 1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11, 65504.0, 65519.99, 65520.0, 1e6, -1e6,
                       2.0 ** -24, 2.0 ** -25, 2.0 ** -25 * 1.0001, 3 * 2.0 ** -26, 6.1e-5, -3.14159, 0.1, 1e-8,
                       np.inf, -np.inf], dtype=np.float32)
    tricky = np.concatenate([tricky, (np.random.RandomState(3).standard_normal(200) * 10).astype(np.float32)])
    with np.errstate(over="ignore"):
        halves = tricky.astype(np.float16)
    write_json(os.path.join(out, "float16_rounding.json"),
               {"float32_bits": [int(x) for x in tricky.view(np.uint32)],
                "float16_bits": [int(x) for x in halves.view(np.uint16)]})

    # float32 -> bfloat16 rounding reference from torch (Debian python3-torch), which rounds to nearest even like
    # ml_dtypes. NaN payloads differ between libraries, so NaN is left out.
    import torch
    finite = tricky[~np.isnan(tricky)]
    extra = np.array([1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8, 3.4e38, -3.4e38, 1e-40, 2.0 ** -133], dtype=np.float32)
    finite = np.concatenate([finite, extra])
    bf_bits = torch.from_numpy(finite.copy()).to(torch.bfloat16).view(torch.int16).numpy().astype(np.uint16)
    write_json(os.path.join(out, "bfloat16_rounding.json"),
               {"float32_bits": [int(x) for x in finite.view(np.uint32)], "bfloat16_bits": [int(x) for x in bf_bits]})

    # Memory bomb: 64 arrays that all point (through the pickle memo) at one 4 KB buffer.
    raw = np.arange(2048, dtype=np.float16).tobytes()
    f2 = np.dtype("<f2")

    class SharedBuffer:
        def __reduce__(self):
            return (np.core.multiarray._reconstruct, (np.ndarray, (0,), b"b"), (1, (2048,), f2, False, raw))

    write(os.path.join(out, "hostile_shared_buffer.pkl"),
          {"params": {f"w{i}": SharedBuffer() for i in range(64)}, "config": {}}, 4)
    # The same ndarray object under two names (legitimate Python sharing) still loads.
    tied = np.arange(6, dtype=np.float16).reshape(2, 3)
    write(os.path.join(out, "shared_array.pkl"), {"params": {"a": tied, "b": {"c": tied}}, "config": {}}, 4)

    # Hostile files: what a malicious .pkl looks like. Loading them in Python would run the command.
    class RunCommand:
        def __reduce__(self):
            return (os.system, ("echo pwned > /tmp/needle-pwned",))

    class Eval:
        def __reduce__(self):
            import builtins
            return (builtins.eval, ("__import__('os').system('echo pwned')",))

    # Plain Python values in every protocol, text (0) and binary (1) included: the opcode coverage for the reader.
    shared = [7, 8]
    values = {"list": [1, 2, 3], "tuple": (1, "a", None), "tuple4": (1, 2, 3, 4), "nested": [[], {}, ()],
              "neg": -1, "int32": -2 ** 31, "int64": -2 ** 63, "u16": 65535, "float": 1.5, "nan_like": -0.0,
              "bytes": b"\x00\xff", "long_bytes": bytes(range(256)) * 2, "bytearray": bytearray(b"ab"), "set": {1},
              "frozenset": frozenset(), "true": True, "false": False, "none": None, "uni": "\u00e9\u2713 \U0001F600",
              "long_str": "x" * 300, "shared_a": shared, "shared_b": shared, "odict": collections.OrderedDict(z=1, a=2)}
    for protocol in range(6):
        write(os.path.join(out, f"values_p{protocol}.pkl"), values, protocol)

    write(os.path.join(out, "hostile_os_system.pkl"), {"params": {"w": RunCommand()}, "config": {}}, 4)
    write(os.path.join(out, "hostile_eval_p2.pkl"), {"params": {}, "config": Eval()}, 2)


# ---- check ------------------------------------------------------------------------------------------------------
def check(pkl, expected_json):
    with open(expected_json) as f:
        expected = json.load(f)
    with open(pkl, "rb") as f:
        data = f.read()
    obj = pickle.loads(data)  # our own file: trusted
    problems = []
    if data[:2] != b"\x80\x04":
        problems.append(f"not protocol 4: starts with {data[:2]!r}")
    if not isinstance(obj, dict) or "params" not in obj:
        print("top-level object is not a dict with params", file=sys.stderr)
        return 1

    def keys_sorted(tree, prefix=""):
        keys = list(tree.keys())
        if keys != sorted(keys):
            problems.append(f"keys under '{prefix}' are not sorted: {keys}")
        for k, v in tree.items():
            if isinstance(v, dict):
                keys_sorted(v, prefix + k + "/")
    keys_sorted(obj["params"])

    got = dict(flatten(obj["params"]))
    if set(got) != set(expected["params"]):
        problems.append(f"paths differ: missing {sorted(set(expected['params']) - set(got))}, "
                        f"unexpected {sorted(set(got) - set(expected['params']))}")
    for path, e in expected["params"].items():
        if path not in got:
            continue
        a = got[path]
        if not isinstance(a, np.ndarray):
            problems.append(f"{path}: {type(a).__name__}, not ndarray")
            continue
        if a.dtype != np.dtype(e["dtype"]):
            problems.append(f"{path}: dtype {a.dtype}, expected {e['dtype']}")
        if list(a.shape) != e["shape"]:
            problems.append(f"{path}: shape {a.shape}, expected {tuple(e['shape'])}")
        if not a.flags.c_contiguous:
            problems.append(f"{path}: not C-contiguous")
        want = np.array(e["values"], dtype=np.float32).astype(a.dtype).reshape(e["shape"])
        bits = f"u{a.itemsize}"  # compare bit patterns: exact, and NaN-safe
        if a.shape == want.shape and a.tobytes() != want.tobytes():
            bad = int(np.sum(a.ravel().view(bits) != want.ravel().view(bits)))
            problems.append(f"{path}: {bad} values differ from numpy's rounding of the expected float32 values")
    if obj.get("config") != expected.get("config", {}):
        problems.append(f"config {obj.get('config')!r} != {expected.get('config')!r}")
        if list(obj.get("config", {}).keys()) != list(expected.get("config", {}).keys()):
            problems.append("config key order differs")
    for k, v in expected.get("extra", {}).items():
        if obj.get(k) != v:
            problems.append(f"extra {k}: {obj.get(k)!r} != {v!r}")
    extra_keys = set(obj) - {"params", "config"} - set(expected.get("extra", {}))
    if extra_keys:
        problems.append(f"unexpected top-level keys {sorted(extra_keys)}")
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"OK {len(got)} arrays, numpy {np.__version__}")
    return 1 if problems else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "fixtures":
        fixtures(argv[2])
        return 0
    if len(argv) == 4 and argv[1] == "check":
        return check(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
