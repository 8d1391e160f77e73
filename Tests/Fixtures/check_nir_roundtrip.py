#!/usr/bin/env python3
"""Check that a NIR file written by NeuroCost still matches the fixture it came from.

Usage: check_nir_roundtrip.py ORIGINAL.nir WRITTEN.nir

Both files are loaded with the reference implementation, nir.read(path,
type_check=False), and compared after flattening nested graphs (the convention in
README.md, shared with make_fixtures.py): same node names and types, same edge set,
and every parameter equal in dtype, shape and value. Integer parameters may be a
scalar in one file and a 1-D array repeating that value in the other (stride 1 vs
[1, 1]). String parameters ("same"/"valid" padding) must match exactly. A parameter
the ORIGINAL lacks (None after nir's defaults) may be added by the writer, since it
can only be derived information such as Conv input_shape. Metadata is not compared.

Exit status: 0 and "roundtrip OK"; 1 and a one-line "DIFF ..." for the first
difference; 2 if nir cannot read ORIGINAL at all (e.g. the legacy_v00 fixture).
"""
import sys

import nir
import numpy as np

from make_fixtures import flatten_graph


def to_plain(node):
    """nir's to_dict() form -> the plain graph structure flatten_graph expects."""
    if node["type"] == "NIRGraph":
        return {"type": "NIRGraph",
                "nodes": {name: to_plain(child) for name, child in node["nodes"].items()},
                "edges": [(str(a), str(b)) for a, b in node["edges"]]}
    return {"type": node["type"],
            "params": {k: v for k, v in node.items() if k not in ("type", "metadata")}}


def load_flat(path):
    return flatten_graph(to_plain(nir.read(path, type_check=False).to_dict()))


def param_difference(original, written):
    """None if equal under the roundtrip rules, else a short description."""
    if isinstance(original, str) or isinstance(written, str):
        return None if original == written else f"{original!r} != {written!r}"
    a, b = np.asarray(original), np.asarray(written)
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} != {b.dtype}"
    if a.shape != b.shape:
        scalar, array = (a, b) if a.ndim == 0 else (b, a)
        if a.dtype.kind in "iu" and scalar.ndim == 0 and array.ndim == 1 and np.all(array == scalar):
            return None  # int param written as scalar vs per-dimension array
        return f"shape {a.shape} != {b.shape}"
    a, b = a.reshape(-1), b.reshape(-1)
    equal = a == b
    if a.dtype.kind in "fc":
        equal |= np.isnan(a) & np.isnan(b)
    if not equal.all():
        i = int(np.flatnonzero(~equal)[0])
        return f"value at flat index {i}: {a[i]!r} != {b[i]!r}"
    return None


def first_difference(original, written):
    (o_nodes, o_edges), (w_nodes, w_edges) = original, written
    for name in sorted(set(o_nodes) - set(w_nodes)):
        return f"node {name!r} missing in WRITTEN"
    for name in sorted(set(w_nodes) - set(o_nodes)):
        return f"unexpected node {name!r} in WRITTEN"
    for name in sorted(o_nodes):
        if o_nodes[name]["type"] != w_nodes[name]["type"]:
            return f"node {name!r} type {o_nodes[name]['type']!r} != {w_nodes[name]['type']!r}"
    for edge in sorted(set(o_edges) - set(w_edges)):
        return f"edge {edge} missing in WRITTEN"
    for edge in sorted(set(w_edges) - set(o_edges)):
        return f"unexpected edge {edge} in WRITTEN"
    for name in sorted(o_nodes):
        o_params, w_params = o_nodes[name]["params"], w_nodes[name]["params"]
        for key in sorted(o_params):
            if o_params[key] is None:
                continue  # derived info the writer may add
            if w_params.get(key) is None:
                return f"node {name!r} param {key!r} missing in WRITTEN"
            difference = param_difference(o_params[key], w_params[key])
            if difference:
                return f"node {name!r} param {key!r}: {difference}"
        for key in sorted(set(w_params) - set(o_params)):
            if w_params[key] is not None:
                return f"node {name!r} has unexpected param {key!r}"
    return None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    original_path, written_path = sys.argv[1:]
    try:
        original = load_flat(original_path)
    except Exception as error:  # nir raises many exception types for unreadable files
        print(f"cannot compare: nir cannot read ORIGINAL {original_path}: {type(error).__name__}: {error}")
        return 2
    try:
        written = load_flat(written_path)
    except Exception as error:
        print(f"DIFF nir cannot read WRITTEN {written_path}: {type(error).__name__}: {error}")
        return 1
    difference = first_difference(original, written)
    if difference:
        print(f"DIFF {difference}")
        return 1
    print("roundtrip OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
