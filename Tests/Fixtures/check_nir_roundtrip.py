#!/usr/bin/env python3
"""Check that a NIR file written by NeuroCost still matches the fixture it came from.

Usage: check_nir_roundtrip.py ORIGINAL.nir WRITTEN.nir

Both files are loaded with the reference implementation, nir.read(path,
type_check=False), and compared after flattening nested graphs (the convention in
README.md, shared with make_fixtures.py): same node names and types, same edge set,
and every parameter equal in dtype, shape and value. Integer parameters may be a
scalar in one file and a 1-D array repeating that value in the other (stride 1 vs
[1, 1]). String parameters ("same"/"valid" padding) must match exactly. A parameter
the ORIGINAL lacks may be added by the writer: it can only be a valid optional field
(nir.read rejects unknown ones in WRITTEN), e.g. a derived Conv input_shape.
Metadata is not compared.

nir 1.0.8 cannot read nir 0.0.x files (integer edges, Conv2d without input_shape).
For such an ORIGINAL only, the file is read with plain h5py and nir's read defaults
are applied (missing v_reset -> zeros, missing w_in -> ones), so the comparison
means the same as for nir-readable files. WRITTEN is always read with nir.

Exit status: 0 and "roundtrip OK"; 1 and a one-line "DIFF ..." for the first
difference; 2 if ORIGINAL cannot be read at all.
"""
import sys

import nir
import numpy as np

sys.dont_write_bytecode = True  # importing the sibling module must not leave __pycache__ in the repo
from make_fixtures import flatten_graph, read_plain_graph  # noqa: E402


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


def apply_nir_read_defaults(graph):
    """Fill in what nir.read would for fields a (legacy) file lacks."""
    for node in graph["nodes"].values():
        if node["type"] == "NIRGraph":
            apply_nir_read_defaults(node)
            continue
        params = node["params"]
        if node["type"] in ("IF", "LIF", "CubaLIF") and "v_reset" not in params:
            params["v_reset"] = np.zeros_like(params["v_threshold"])
        if node["type"] in ("CubaLI", "CubaLIF") and "w_in" not in params:
            like = params["v_threshold" if node["type"] == "CubaLIF" else "v_leak"]
            params["w_in"] = np.ones_like(like)
    return graph


def load_original(path):
    try:
        return load_flat(path)
    except Exception as nir_error:  # nir raises many exception types on old layouts
        try:
            return flatten_graph(apply_nir_read_defaults(read_plain_graph(path)))
        except Exception:
            raise nir_error from None


def param_difference(original, written):
    """None if equal under the roundtrip rules, else a short description."""
    if isinstance(original, str) or isinstance(written, str):
        same = isinstance(original, str) and isinstance(written, str) and original == written
        return None if same else f"{original!r} != {written!r}"
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
                continue  # optional field absent in ORIGINAL: the writer may add it
            if w_params.get(key) is None:
                return f"node {name!r} param {key!r} missing in WRITTEN"
            difference = param_difference(o_params[key], w_params[key])
            if difference:
                return f"node {name!r} param {key!r}: {difference}"
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    original_path, written_path = sys.argv[1:]
    try:
        original = load_original(original_path)
    except Exception as error:
        print(f"cannot compare: cannot read ORIGINAL {original_path}: {type(error).__name__}: {error}")
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
