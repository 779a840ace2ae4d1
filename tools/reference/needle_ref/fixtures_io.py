"""Fixture writing: raw little-endian float32 / int32 .bin tensors described by JSON manifests."""
import json
import os

import numpy as np


def write_bin(dir_, name, tensor, dtype="float32"):
    """Writes C-order little-endian data; returns the manifest entry {file, shape, dtype}."""
    arr = np.ascontiguousarray(np.asarray(tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else tensor)
                               .astype("<f4" if dtype == "float32" else "<i4"))
    path = os.path.join(dir_, name)
    arr.tofile(path)
    return {"file": name, "shape": list(arr.shape), "dtype": dtype}


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=True)
        f.write("\n")
    os.replace(tmp, path)
