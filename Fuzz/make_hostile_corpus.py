#!/usr/bin/env python3
"""Writes the hostile-input corpus: one small file per case, plus manifest.tsv (file, kind, expected outcome, why).

kind: nir | data | profile. expected: error (a one-line error, exit 1..125) or ok (valid but odd; must run).
Usage: python3 Fuzz/make_hostile_corpus.py OUT_DIR   (the checked-in replay corpus is Tests/Fixtures/fuzz-corpus)
"""
import os
import sys

import h5py
import numpy as np

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
MANIFEST = []
STR = h5py.string_dtype()


def case(name, kind, expected, why):
    MANIFEST.append((name, kind, expected, why))
    return os.path.join(OUT, name)


def node(group, name, type_, **fields):
    g = group.create_group(name)
    g.create_dataset("type", data=type_, dtype=STR)
    for key, value in fields.items():
        if isinstance(value, str):
            g.create_dataset(key, data=value, dtype=STR)
        else:
            g.create_dataset(key, data=value)
    return g


def mlp(path, hidden=None, neuron=None, edges=None, extra=None, top_type="NIRGraph", version="1.0.8"):
    """Input[4] -> Affine(3x4) -> neuron -> Output[3], with overrides."""
    with h5py.File(path, "w") as f:
        if version is not None:
            f.create_dataset("version", data=version, dtype=STR)
        g = f.create_group("node")
        if top_type is not None:
            g.create_dataset("type", data=top_type, dtype=STR)
        nodes = g.create_group("nodes")
        node(nodes, "input", "Input", shape=np.array([4], dtype=np.int64))
        node(nodes, "fc", "Affine", **(hidden or {"weight": np.full((3, 4), 0.5, np.float32), "bias": np.zeros(3, np.float32)}))
        node(nodes, "lif", *(neuron or ("IF", {"r": np.ones(3, np.float32), "v_threshold": np.ones(3, np.float32),
                                                 "v_reset": np.zeros(3, np.float32)}))[:1],
             **(neuron or ("IF", {"r": np.ones(3, np.float32), "v_threshold": np.ones(3, np.float32),
                                  "v_reset": np.zeros(3, np.float32)}))[1])
        node(nodes, "output", "Output", shape=np.array([3], dtype=np.int64))
        e = edges if edges is not None else [("input", "fc"), ("fc", "lif"), ("lif", "output")]
        g.create_dataset("edges", data=np.array(e, dtype=object), dtype=STR)
        if extra:
            extra(f)


def conv(path, drop=None, **over):
    fields = {"weight": np.ones((2, 1, 3, 3), np.float32), "bias": np.zeros(2, np.float32),
              "stride": np.array([1, 1]), "padding": np.array([0, 0]), "dilation": np.array([1, 1]),
              "groups": np.int64(1), "input_shape": np.array([6, 6])}
    fields.update(over)
    for key in drop or []:
        fields.pop(key)
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0.8", dtype=STR)
        g = f.create_group("node")
        g.create_dataset("type", data="NIRGraph", dtype=STR)
        nodes = g.create_group("nodes")
        node(nodes, "input", "Input", shape=np.array([1, 6, 6]))
        node(nodes, "conv", "Conv2d", **fields)
        node(nodes, "output", "Output", shape=np.array([2, 4, 4]))
        g.create_dataset("edges", data=np.array([("input", "conv"), ("conv", "output")], dtype=object), dtype=STR)


mlp(case("nir-valid-mlp.nir", "nir", "ok", "the valid base the other cases mutate"))

# --- HDF5 structure -------------------------------------------------------------------------------------------
mlp(case("nir-hard-link-cycle.nir", "nir", "error", "a sub-graph hard-links back to the top graph"),
    extra=lambda f: f["node/nodes"].__setitem__("loop", f["node"]))
mlp(case("nir-hard-link-self.nir", "nir", "error", "nodes/ contains a hard link to its own graph group"),
    extra=lambda f: f["node/nodes"].__setitem__("again", f["node/nodes/fc"]) or f["node/nodes"].__setitem__("g", f["node"]))
mlp(case("nir-soft-link-cycle.nir", "nir", "error", "two soft links pointing at each other"),
    extra=lambda f: (f["node/nodes"].__setitem__("a", h5py.SoftLink("/node/nodes/b")),
                     f["node/nodes"].__setitem__("b", h5py.SoftLink("/node/nodes/a"))))
mlp(case("nir-soft-link-to-parent.nir", "nir", "error", "a node that is a soft link to the graph containing it"),
    extra=lambda f: f["node/nodes"].__setitem__("up", h5py.SoftLink("/node")))
mlp(case("nir-dangling-soft-link.nir", "nir", "error", "a soft link to nothing"),
    extra=lambda f: f["node/nodes/fc"].__setitem__("bias2", h5py.SoftLink("/nowhere")))
def external_weight(f):
    del f["node/nodes/fc/weight"]
    f["node/nodes/fc/weight"] = h5py.ExternalLink("/etc/passwd", "/weight")
mlp(case("nir-external-link.nir", "nir", "error", "a weight that is an external link"), extra=external_weight)
mlp(case("nir-graph-without-type.nir", "nir", "error", "the top graph has no 'type'"), top_type=None)
mlp(case("nir-top-not-graph.nir", "nir", "error", "the top-level object says it is an IF"), top_type="IF")
def type_as_number(f):
    del f["node/nodes/fc/type"]
    f["node/nodes/fc"].create_dataset("type", data=np.int64(3))
mlp(case("nir-type-number.nir", "nir", "error", "a node 'type' that is a number"), extra=type_as_number)
def type_as_group(f):
    del f["node/nodes/fc/type"]
    f["node/nodes/fc"].create_group("type")
mlp(case("nir-type-group.nir", "nir", "error", "a node 'type' that is a group"), extra=type_as_group)
def deep(f, depth=40):
    g = f["node/nodes"]
    for level in range(depth):
        sub = g.create_group(f"g{level}")
        sub.create_dataset("type", data="NIRGraph", dtype=STR)
        sub.create_dataset("edges", data=np.zeros(0))
        g = sub.create_group("nodes")
mlp(case("nir-deep-nesting.nir", "nir", "error", "40 nested sub-graphs (the limit is 32)"), extra=deep)
def edges_group(f):
    del f["node/edges"]
    f["node"].create_group("edges")
mlp(case("nir-edges-group.nir", "nir", "error", "edges stored as a group"), extra=edges_group)
def edges_three(f):
    del f["node/edges"]
    f["node"].create_dataset("edges", data=np.array([["input", "fc", "lif"]], dtype=object), dtype=STR)
mlp(case("nir-edges-three-columns.nir", "nir", "error", "edges of shape (1, 3)"), extra=edges_three)
def edges_index(f):
    del f["node/edges"]
    f["node"].create_dataset("edges", data=np.array([[0, 9223372036854775807]], dtype=np.int64))
mlp(case("nir-edges-huge-index.nir", "nir", "error", "integer edges with an index of 2^63-1"), extra=edges_index)

# --- missing or unknown fields ---------------------------------------------------------------------------------
for field in ["stride", "groups", "padding", "dilation", "bias", "weight"]:
    conv(case(f"nir-conv-missing-{field}.nir", "nir", "error", f"a Conv2d without '{field}'"), drop=[field])
conv(case("nir-conv-unknown-field.nir", "nir", "error", "a Conv2d with a field a newer NIR might add"),
     bias_scale=np.ones(2, np.float32))
mlp(case("nir-affine-missing-bias.nir", "nir", "error", "an Affine without bias"), hidden={"weight": np.ones((3, 4), np.float32)})
mlp(case("nir-lif-missing-tau.nir", "nir", "error", "a LIF without tau"),
    neuron=("LIF", {"r": np.ones(3), "v_leak": np.zeros(3), "v_threshold": np.ones(3)}))

# --- sizes -----------------------------------------------------------------------------------------------------
def input_shape(shape):
    def edit(f):
        del f["node/nodes/input/shape"]
        f["node/nodes/input"].create_dataset("shape", data=np.array(shape, dtype=np.int64))
    return edit
mlp(case("nir-input-shape-overflow.nir", "nir", "error", "an Input shape whose product overflows Int64"),
    extra=input_shape([2**62, 2**62, 4]))
mlp(case("nir-input-shape-huge.nir", "nir", "error", "an Input of 2^40 elements"), extra=input_shape([2**40]))
mlp(case("nir-input-shape-negative.nir", "nir", "error", "a negative Input shape"), extra=input_shape([-4]))
mlp(case("nir-input-shape-zero.nir", "nir", "error", "an Input with zero elements"), extra=input_shape([0]))
def huge_weight(f):
    del f["node/nodes/fc/weight"]
    f["node/nodes/fc"].create_dataset("weight", shape=(3, 2**40), dtype=np.float32, chunks=(1, 1024))
mlp(case("nir-weight-declared-huge.nir", "nir", "error", "a chunked weight declaring 3x2^40 elements"), extra=huge_weight)
conv(case("nir-conv-huge-padding.nir", "nir", "error", "padding 2^62"), padding=np.array([2**62, 2**62]))
conv(case("nir-conv-negative-padding.nir", "nir", "error", "negative padding"), padding=np.array([-1, -1]))
conv(case("nir-conv-zero-stride.nir", "nir", "error", "stride 0"), stride=np.array([0, 0]))
conv(case("nir-conv-huge-dilation.nir", "nir", "error", "dilation 2^62"), dilation=np.array([2**62, 2**62]))
conv(case("nir-conv-zero-groups.nir", "nir", "error", "groups 0"), groups=np.int64(0))
conv(case("nir-conv-huge-input-shape.nir", "nir", "error", "input_shape 2^40 x 2^40"), input_shape=np.array([2**40, 2**40]))

# --- neuron parameters -----------------------------------------------------------------------------------------
def lif(tau=0.01, r=10.0, v_leak=0.0, v_threshold=1.0):
    return ("LIF", {"tau": np.full(3, tau), "r": np.full(3, r), "v_leak": np.full(3, v_leak),
                    "v_threshold": np.full(3, v_threshold), "v_reset": np.zeros(3)})
mlp(case("nir-lif-tau-zero.nir", "nir", "error", "LIF tau = 0"), neuron=lif(tau=0.0))
mlp(case("nir-lif-tau-negative.nir", "nir", "error", "LIF tau < 0"), neuron=lif(tau=-0.01))
mlp(case("nir-lif-tau-nan.nir", "nir", "error", "LIF tau NaN"), neuron=lif(tau=np.nan))
mlp(case("nir-lif-threshold-nan.nir", "nir", "error", "LIF v_threshold NaN"), neuron=lif(v_threshold=np.nan))
mlp(case("nir-lif-r-nan.nir", "nir", "error", "LIF r NaN"), neuron=lif(r=np.nan))
mlp(case("nir-cubalif-tausyn-zero.nir", "nir", "error", "CubaLIF tau_syn = 0"),
    neuron=("CubaLIF", {"tau_syn": np.zeros(3), "tau_mem": np.full(3, 0.01), "r": np.ones(3), "v_leak": np.zeros(3),
                        "v_threshold": np.ones(3), "v_reset": np.zeros(3), "w_in": np.ones(3)}))
mlp(case("nir-lif-tau-inf.nir", "nir", "any", "snntorch beta = 1 (tau = r = inf): refused today, to be read by the framework work (issue 13); either way no crash"), neuron=lif(tau=np.inf, r=np.inf))

# --- data files --------------------------------------------------------------------------------------------------
def data(path, images=None, labels=None, extra=None):
    with h5py.File(path, "w") as f:
        f.create_dataset("images", data=images if images is not None else np.full((4, 4), 0.5, np.float32))
        if labels is not False:
            f.create_dataset("labels", data=labels if labels is not None else np.array([0, 1, 2, 0]))
        if extra:
            extra(f)
data(case("data-valid.h5", "data", "ok", "the valid base"))
data(case("data-valid-cnn.h5", "data", "ok", "valid images for the CNN samples' Input [2, 8, 8]"),
     images=np.full((2, 2, 8, 8), 0.5, np.float32), labels=np.array([0, 1]))
data(case("data-nan-pixels.h5", "data", "error", "NaN pixels"), images=np.array([[np.nan, 0, 0, 0]] * 4, np.float32))
data(case("data-inf-pixels.h5", "data", "error", "Inf pixels"), images=np.array([[np.inf, 0, 0, 0]] * 4, np.float32))
data(case("data-labels-float.h5", "data", "error", "non-integer labels"), labels=np.array([0.5, 1, 2, 0]))
data(case("data-labels-negative.h5", "data", "ok", "a negative label (warned)"), labels=np.array([-1, 1, 2, 0]))
data(case("data-labels-out-of-range.h5", "data", "ok", "a label past the readout's classes (warned)"), labels=np.array([7, 1, 2, 0]))
data(case("data-uint8-images.h5", "data", "error", "raw uint8 pixels without --allow-integer-images"),
     images=np.full((4, 4), 200, np.uint8))
def huge_images(f):
    del f["images"]
    f.create_dataset("images", shape=(2**40, 4), dtype=np.float32, chunks=(1024, 4))
data(case("data-declared-huge.h5", "data", "error", "images declaring 2^40 samples"), labels=False, extra=huge_images)
def string_images(f):
    del f["images"]
    f.create_dataset("images", data=np.array(["a", "b"], dtype=object), dtype=STR)
data(case("data-string-images.h5", "data", "error", "images that are strings"), labels=False, extra=string_images)
data(case("data-scalar-images.h5", "data", "error", "a scalar images dataset"), images=np.float32(1), labels=False)
data(case("data-labels-wrong-length.h5", "data", "error", "3 labels for 4 samples"), labels=np.array([0, 1, 2]))
data(case("data-wrong-shape.h5", "data", "error", "samples of 5 values for an Input of 4"), images=np.zeros((4, 5), np.float32))
data(case("data-out-of-range-pixels.h5", "data", "ok", "pixels of 300 (warned)"), images=np.full((4, 4), 300, np.float32))

# --- profiles ----------------------------------------------------------------------------------------------------
def text(name, expected, why, body):
    with open(case(name, "profile", expected, why), "w") as handle:
        handle.write(body)
text("profile-deep-flow.yaml", "error", "5000 nested flow sequences", "energy: " + "[" * 5000 + "]" * 5000 + "\n")
text("profile-deep-block.yaml", "error", "5000 nested block sequences on one line", "energy: " + "- " * 5000 + "x\n")
laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
text("profile-alias-bomb.yaml", "error", "billion laughs", laughs + "schema: *i\n")
text("profile-duplicate-key.yaml", "error", "the same key twice", "schema: neurocost-profile/1\nschema: neurocost-profile/1\n")
text("profile-not-utf8.yaml", "error", "bytes that are not UTF-8", "schema: \xff\xfe\n")

with open(os.path.join(OUT, "manifest.tsv"), "w") as handle:
    handle.write("# file\tkind\texpected\twhy (generated by Fuzz/make_hostile_corpus.py)\n")
    for row in MANIFEST:
        handle.write("\t".join(row) + "\n")
print(f"{len(MANIFEST)} cases in {OUT}")
