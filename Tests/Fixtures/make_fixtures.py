#!/usr/bin/env python3
"""Generate NIR test fixtures and independently computed expectations for NeuroCost.

Usage:
    make_fixtures.py OUT_DIR [--only NAME ...] [--skip-vgg] [--with-dense-vgg]
    make_fixtures.py --self-test

For every fixture NAME this writes OUT_DIR/NAME.nir and OUT_DIR/NAME.expected.json.
Valid fixtures get the full expectations schema (see README.md); bad_* fixtures get
{"error_contains": [...]} (an empty list means "any error").

Expectations are computed from the file as stored (read back with plain h5py, not
with nir), using direct numpy computations: explicit scatters for conv and pool
fan-out, nothing derived from closed-form shortcuts.

Requires nir 1.0.8, h5py, numpy. Deterministic: every fixture has its own fixed seed.
"""
import argparse
import heapq
import itertools
import json
import math
import os
import sys
import time

import h5py
import nir
import numpy as np

F32, F64 = np.float32, np.float64
VLEN_STR = h5py.string_dtype()  # variable-length UTF-8, what nir/h5py write for str

NEURON_TYPES = {"IF", "LIF", "CubaLIF", "LI", "I", "CubaLI"}
SPIKING_TYPES = {"IF", "LIF", "CubaLIF", "Threshold"}
ELEMENTWISE_TYPES = NEURON_TYPES | {"Threshold", "Delay", "Scale"}
CONV_TYPES = {"Conv1d", "Conv2d"}
DENSE_TYPES = {"Affine", "Linear"}
POOL_TYPES = {"SumPool2d", "AvgPool2d"}

PARAMS_WEIGHT_LIMIT = 5000  # below this many weights, expectations list every parameter
OUT_DEGREE_LIST_LIMIT = 5000  # per-neuron out-degree lists only for nodes this small


# --------------------------------------------------------------------------------------
# Small builders shared by the fixtures
# --------------------------------------------------------------------------------------

def zero_random(weight, zero_count, rng):
    """Set exactly `zero_count` randomly chosen entries of `weight` to 0 (unstructured)."""
    flat = weight.reshape(-1).copy()
    flat[rng.choice(flat.size, size=zero_count, replace=False)] = 0
    return flat.reshape(weight.shape)


def sparse_normal(rng, shape, zero_fraction, dtype=F32, std=1.0):
    weight = (rng.standard_normal(shape) * std).astype(dtype)
    return zero_random(weight, round(zero_fraction * weight.size), rng)


def if_node(shape, threshold, dtype=F32):
    """Converted-ANN style IF: r=1, per-layer threshold broadcast to the full shape, v_reset=0."""
    return nir.IF(r=np.ones(shape, dtype=dtype),
                  v_threshold=np.full(shape, threshold, dtype=dtype),
                  v_reset=np.zeros(shape, dtype=dtype))


def chain_edges(names):
    return [(a, b) for a, b in zip(names, names[1:])]


def write_raw_nir(path, graph, version, compression=None):
    """Write a nested dict in nir's to_dict() layout with plain h5py.

    Used for files nir would refuse or could never produce (legacy layouts, broken
    files). Strings become vlen UTF-8, lists of edge pairs a (N,2) vlen string array,
    numpy int arrays stay as they are (0.0.x index edges), everything else a dataset
    of its own dtype; empty metadata groups are skipped like nir does.
    """
    def write_group(group, node):
        for key, value in node.items():
            if isinstance(value, dict):
                if value or key != "metadata":
                    write_group(group.create_group(key), value)
            elif isinstance(value, str):
                group.create_dataset(key, data=value, dtype=VLEN_STR)
            elif key == "edges" and isinstance(value, list):
                rows = np.array([[a, b] for a, b in value], dtype=object)
                group.create_dataset(key, data=rows, dtype=VLEN_STR)
            else:
                array = np.asarray(value)
                # HDF5 cannot filter scalar datasets, so only arrays get compressed.
                group.create_dataset(key, data=array,
                                     compression=compression if array.ndim else None)

    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=version, dtype=VLEN_STR)
        write_group(f.create_group("node"), graph)


# --------------------------------------------------------------------------------------
# Valid fixtures (each writes NAME.nir; seeds are fixed per fixture)
# --------------------------------------------------------------------------------------

def build_mlp():
    rng = np.random.default_rng(101)
    nodes = {
        "input": nir.Input(input_type=np.array([16])),
        "fc1": nir.Affine(weight=sparse_normal(rng, (32, 16), zero_fraction=0.5),
                          bias=rng.standard_normal(32).astype(F32)),
        "if1": if_node((32,), threshold=1.0),
        "fc2": nir.Linear(weight=rng.standard_normal((10, 32)).astype(F32)),
        "if2": if_node((10,), threshold=0.8),
        "output": nir.Output(output_type=np.array([10])),
    }
    return nir.NIRGraph(nodes=nodes, edges=chain_edges(list(nodes)))


def write_mlp(path):
    nir.write(path, build_mlp())  # nir 1.0.8 default: chunked + gzip


def write_cnn(path):
    rng = np.random.default_rng(102)
    conv1 = nir.Conv2d(input_shape=(12, 12),
                       weight=sparse_normal(rng, (8, 2, 3, 3), zero_fraction=0.4),
                       stride=(2, 1), padding=(1, 2), dilation=1, groups=1,
                       bias=rng.standard_normal(8).astype(F32))
    # Grouped conv: nir derives input channels from weight.shape[1] (= C_in/groups), so
    # input_shape is left to the graph's type inference (research doc section 8.7).
    conv2 = nir.Conv2d(input_shape=None,
                       weight=sparse_normal(rng, (8, 4, 3, 3), zero_fraction=0.3),
                       stride=1, padding=1, dilation=1, groups=2,
                       bias=rng.standard_normal(8).astype(F32))
    nodes = {
        "input": nir.Input(input_type=np.array([2, 12, 12])),
        "conv1": conv1,                     # -> [8, 6, 14]
        "if1": if_node((8, 6, 14), threshold=1.5),
        "pool1": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                               padding=np.array([0, 0])),  # -> [8, 3, 7]
        "conv2": conv2,                     # -> [8, 3, 7]
        "if2": if_node((8, 3, 7), threshold=1.2),
        # floor semantics drop the last row/column: those if2 neurons reach nothing here
        "pool2": nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                               padding=np.array([0, 0])),  # -> [8, 1, 3]
        "flatten": nir.Flatten(input_type={"input": np.array([8, 1, 3])}, start_dim=0, end_dim=-1),
        "fc": nir.Affine(weight=sparse_normal(rng, (10, 24), zero_fraction=0.2),
                         bias=np.zeros(10, dtype=F32)),
        "if3": if_node((10,), threshold=1.0),
        "output": nir.Output(output_type=np.array([10])),
    }
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=chain_edges(list(nodes))))


def write_cnn_overlap(path):
    """Overlapping pool windows with padding, dilation 2, non-square kernels/strides,
    and scalar (python int) pool parameters."""
    rng = np.random.default_rng(103)
    nodes = {
        "input": nir.Input(input_type=np.array([3, 11, 10])),
        "conv1": nir.Conv2d(input_shape=(11, 10),
                            weight=sparse_normal(rng, (6, 3, 3, 3), zero_fraction=0.3),
                            stride=1, padding=2, dilation=2, groups=1,
                            bias=np.zeros(6, dtype=F32)),  # -> [6, 11, 10]
        "if1": if_node((6, 11, 10), threshold=1.0),
        "pool1": nir.AvgPool2d(kernel_size=3, stride=2, padding=1),  # -> [6, 6, 5]
        "conv2": nir.Conv2d(input_shape=(6, 5),
                            weight=sparse_normal(rng, (4, 6, 2, 3), zero_fraction=0.3),
                            stride=(1, 2), padding=0, dilation=1, groups=1,
                            bias=rng.standard_normal(4).astype(F32)),  # -> [4, 5, 2]
        "if2": if_node((4, 5, 2), threshold=0.9),
        "pool2": nir.SumPool2d(kernel_size=np.array([3, 2]), stride=np.array([2, 1]),
                               padding=np.array([1, 1])),  # -> [4, 3, 3]
        "flatten": nir.Flatten(input_type={"input": np.array([4, 3, 3])}, start_dim=0, end_dim=-1),
        "fc": nir.Affine(weight=sparse_normal(rng, (5, 36), zero_fraction=0.25),
                         bias=rng.standard_normal(5).astype(F32)),
        "lif": nir.LIF(tau=np.full(5, 0.02, dtype=F32), r=np.ones(5, dtype=F32),
                       v_leak=np.zeros(5, dtype=F32), v_threshold=np.ones(5, dtype=F32),
                       v_reset=np.zeros(5, dtype=F32)),
        "output": nir.Output(output_type=np.array([5])),
    }
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=chain_edges(list(nodes))))


def write_residual(path):
    """Residual fan-in/fan-out with a Scale branch, plus independent spiking branches into
    a Conv2d(padding="same") and a Conv1d (scalar int params): three Inputs, three Outputs."""
    rng = np.random.default_rng(104)
    n = 8
    scale = rng.uniform(0.5, 1.5, n).astype(F32)
    scale[[2, 5]] = 0  # zero gains: those if_a neurons get no synapse on this branch
    nodes = {
        "input": nir.Input(input_type=np.array([n])),
        "fc_a": nir.Linear(weight=sparse_normal(rng, (n, n), zero_fraction=0.25)),
        "if_a": if_node((n,), threshold=1.0),
        "fc_b": nir.Affine(weight=sparse_normal(rng, (n, n), zero_fraction=0.5),
                           bias=np.zeros(n, dtype=F32)),
        "if_b": if_node((n,), threshold=1.1),
        "scale_a": nir.Scale(scale=scale),
        "if_c": if_node((n,), threshold=0.9),
        "fc_out": nir.Linear(weight=sparse_normal(rng, (4, n), zero_fraction=0.25)),
        "output": nir.Output(output_type=np.array([4])),
        "input_img": nir.Input(input_type=np.array([2, 6, 6])),
        "if_img_in": if_node((2, 6, 6), threshold=0.5),
        "conv_same": nir.Conv2d(input_shape=(6, 6),
                                weight=sparse_normal(rng, (3, 2, 3, 5), zero_fraction=0.3),
                                stride=1, padding="same", dilation=1, groups=1,
                                bias=np.zeros(3, dtype=F32)),
        "if_img": if_node((3, 6, 6), threshold=1.0),
        "output_img": nir.Output(output_type=np.array([3, 6, 6])),
        "input_seq": nir.Input(input_type=np.array([2, 10])),
        "if_seq_in": if_node((2, 10), threshold=0.5),
        # python ints stay python ints in Conv1d, so nir writes scalar int64 datasets
        "conv1d": nir.Conv1d(input_shape=10,
                             weight=sparse_normal(rng, (3, 2, 3), zero_fraction=0.3),
                             stride=2, padding=1, dilation=1, groups=1,
                             bias=np.zeros(3, dtype=F32)),  # -> [3, 5]
        "if_seq": if_node((3, 5), threshold=1.0),
        "output_seq": nir.Output(output_type=np.array([3, 5])),
    }
    edges = [
        ("input", "fc_a"), ("fc_a", "if_a"),
        ("if_a", "fc_b"), ("fc_b", "if_b"),
        ("if_a", "if_b"),                       # identity skip: fan-in of two into if_b
        ("if_a", "scale_a"), ("scale_a", "if_c"),  # if_a fans out to three nodes
        ("if_b", "if_c"),
        ("if_c", "fc_out"), ("fc_out", "output"),
        ("input_img", "if_img_in"), ("if_img_in", "conv_same"), ("conv_same", "if_img"),
        ("if_img", "output_img"),
        ("input_seq", "if_seq_in"), ("if_seq_in", "conv1d"), ("conv1d", "if_seq"),
        ("if_seq", "output_seq"),
    ]
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=edges))


def write_neurons(path):
    """Every node type in one chain on a [2,3] activation. Parameter forms per node:
    0-d (numpy scalars, which nir.write stores as contiguous scalar datasets), shape
    (1,), shape (3,) (broadcast over the last dim) and the full shape; f32/f64 mixed."""
    shape = (2, 3)
    nodes = {
        "input": nir.Input(input_type=np.array(shape)),
        "scale": nir.Scale(scale=np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 3.0]], dtype=F32)),
        "li": nir.LI(tau=F64(0.01), r=F64(1.0), v_leak=F64(0.0)),
        "i": nir.I(r=np.array([2.0], dtype=F32)),
        "lif": nir.LIF(tau=np.array([0.005, 0.01, 0.02], dtype=F64),
                       r=np.array([1.0, 2.0, 3.0], dtype=F32),
                       v_leak=np.zeros(3, dtype=F32),
                       v_threshold=np.array([1.0, 0.5, 0.25], dtype=F64),
                       v_reset=np.full(3, -0.1, dtype=F64)),
        "cubali": nir.CubaLI(tau_syn=np.full(shape, 0.002, dtype=F64),
                             tau_mem=np.full(shape, 0.01, dtype=F64),
                             r=np.ones(shape, dtype=F64), v_leak=np.zeros(shape, dtype=F64),
                             w_in=np.array([[1.0, 0.5, 0.25], [2.0, 1.0, 0.5]], dtype=F32)),
        "cubalif": nir.CubaLIF(tau_syn=F32(0.002), tau_mem=F32(0.01), r=F32(1.0),
                               v_leak=F32(0.0), v_threshold=F32(0.5), v_reset=F32(0.0),
                               w_in=F32(2.0)),
        "if": nir.IF(r=np.ones(1, dtype=F64), v_threshold=np.ones(1, dtype=F64),
                     v_reset=np.zeros(1, dtype=F64)),
        "delay": nir.Delay(delay=np.array([[0.001, 0.002, 0.003], [0.0, 0.004, 0.005]], dtype=F64)),
        "thr": nir.Threshold(threshold=F32(0.5)),
        "output": nir.Output(output_type=np.array(shape)),
    }
    edges = chain_edges(list(nodes)) + [("lif", "thr")]  # lif fans out: cubali and thr
    metadata = {"description": "every NIR node type", "dt": 1e-4,
                "layer_shape": np.array(shape, dtype=np.int64)}
    # Mixed param shapes contradict nir's own type inference, so skip it.
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata, type_check=False))


def write_nested(path):
    """Two levels of NIRGraph nesting. block's inner Input has two successors and its
    inner Output two predecessors (one of them the nested graph `deep`)."""
    rng = np.random.default_rng(106)
    deep = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([8])),
            "lin2": nir.Linear(weight=sparse_normal(rng, (4, 8), zero_fraction=0.25)),
            "lif2": nir.LIF(tau=np.full(4, 0.01, dtype=F32), r=np.ones(4, dtype=F32),
                            v_leak=np.zeros(4, dtype=F32), v_threshold=np.ones(4, dtype=F32),
                            v_reset=np.zeros(4, dtype=F32)),
            "output": nir.Output(output_type=np.array([4])),
        },
        edges=[("input", "lin2"), ("lin2", "lif2"), ("lif2", "output")],
    )
    gate = rng.uniform(0.5, 1.5, 8).astype(F32)
    gate[3] = 0
    block = nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([8])),
            "lin": nir.Linear(weight=sparse_normal(rng, (8, 8), zero_fraction=0.25)),
            "gate": nir.Scale(scale=gate),
            "if": if_node((8,), threshold=1.0),
            "deep": deep,
            "lin_b": nir.Linear(weight=sparse_normal(rng, (4, 8), zero_fraction=0.25)),
            "output": nir.Output(output_type=np.array([4])),
        },
        edges=[("input", "lin"), ("input", "gate"), ("lin", "if"), ("gate", "if"),
               ("if", "deep"), ("if", "lin_b"), ("deep", "output"), ("lin_b", "output")],
    )
    nodes = {
        "input": nir.Input(input_type=np.array([6])),
        "fc0": nir.Affine(weight=sparse_normal(rng, (8, 6), zero_fraction=0.25),
                          bias=rng.standard_normal(8).astype(F32)),
        "if0": if_node((8,), threshold=1.0),
        "block": block,
        "fc_out": nir.Linear(weight=sparse_normal(rng, (3, 4), zero_fraction=0.25)),
        "fc_skip": nir.Linear(weight=sparse_normal(rng, (3, 8), zero_fraction=0.25)),
        "if_out": if_node((3,), threshold=1.0),
        "output": nir.Output(output_type=np.array([3])),
    }
    edges = [("input", "fc0"), ("fc0", "if0"), ("if0", "block"), ("block", "fc_out"),
             ("fc_out", "if_out"), ("if0", "fc_skip"), ("fc_skip", "if_out"),
             ("if_out", "output")]
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=edges))


def write_legacy_v02(path):
    """Mimic nir 0.2.0 files: contiguous, f64, no v_reset, 0-d LIF params, CubaLIF
    without w_in, numeric node names, edges out of topological order."""
    rng = np.random.default_rng(107)
    linear = rng.standard_normal((3, 4))
    linear[0, 1] = linear[2, 3] = 0
    nodes = {
        "input": {"type": "Input", "shape": np.array([5])},
        "0": {"type": "Affine", "weight": rng.standard_normal((4, 5)), "bias": rng.standard_normal(4)},
        "1": {"type": "LIF", "tau": F64(0.0025), "r": F64(1.0), "v_leak": F64(0.0),
              "v_threshold": F64(0.1)},
        "2": {"type": "Linear", "weight": linear},
        "3": {"type": "CubaLIF", "tau_syn": np.full(3, 0.002), "tau_mem": np.full(3, 0.01),
              "r": np.ones(3), "v_leak": np.zeros(3), "v_threshold": np.full(3, 0.5)},
        "4": {"type": "Affine", "weight": rng.standard_normal((2, 3)), "bias": np.zeros(2)},
        "5": {"type": "IF", "r": np.ones(2), "v_threshold": np.full(2, 0.5)},
        "output": {"type": "Output", "shape": np.array([2])},
    }
    edges = [("3", "4"), ("input", "0"), ("5", "output"), ("1", "2"), ("0", "1"),
             ("4", "5"), ("2", "3")]
    write_raw_nir(path, {"type": "NIRGraph", "nodes": nodes, "edges": edges}, version="0.2.0")


def write_legacy_v00(path):
    """Mimic nir 0.0.x: nodes were a list, so groups are "0","1",... and edges an int64
    (N,2) index array; Conv2d has no input_shape; Input/Output carry `shape`."""
    rng = np.random.default_rng(108)
    nodes = {
        "0": {"type": "Input", "shape": np.array([1, 6, 6])},
        "1": {"type": "Conv2d", "weight": sparse_normal(rng, (4, 1, 3, 3), zero_fraction=0.3),
              "stride": 1, "padding": 0, "dilation": 1, "groups": 1,
              "bias": rng.standard_normal(4).astype(F32)},  # -> [4, 4, 4]
        "2": {"type": "IF", "r": np.ones((4, 4, 4), dtype=F32),
              "v_threshold": np.ones((4, 4, 4), dtype=F32)},
        "3": {"type": "Conv2d", "weight": sparse_normal(rng, (2, 4, 3, 3), zero_fraction=0.3),
              "stride": 2, "padding": 1, "dilation": 1, "groups": 1,
              "bias": np.zeros(2, dtype=F32)},  # -> [2, 2, 2]
        "4": {"type": "IF", "r": np.ones((2, 2, 2), dtype=F32),
              "v_threshold": np.ones((2, 2, 2), dtype=F32)},
        "5": {"type": "Output", "shape": np.array([2, 2, 2])},
        "6": {"type": "Input", "shape": np.array([3])},
        "7": {"type": "IF", "r": np.ones(3, dtype=F32), "v_threshold": np.ones(3, dtype=F32)},
        "8": {"type": "Linear", "weight": sparse_normal(rng, (2, 3), zero_fraction=0.3)},
        "9": {"type": "LIF", "tau": np.full(2, 0.01, dtype=F32), "r": np.ones(2, dtype=F32),
              "v_leak": np.zeros(2, dtype=F32), "v_threshold": np.ones(2, dtype=F32)},
        "10": {"type": "Output", "shape": np.array([2])},  # HDF5 lists it between "1" and "2"
    }
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [6, 7], [7, 8], [8, 9], [9, 10]],
                     dtype=np.int64)
    write_raw_nir(path, {"type": "NIRGraph", "nodes": nodes, "edges": edges}, version="0.0.6")


def write_contiguous_mixed(path):
    """nir 1.0.8 with compression=None (contiguous, like nir <= 1.0.7): f32 weights,
    f64 neuron parameters."""
    rng = np.random.default_rng(109)
    nodes = {
        "input": nir.Input(input_type=np.array([10])),
        "fc1": nir.Affine(weight=sparse_normal(rng, (12, 10), zero_fraction=0.3),
                          bias=rng.standard_normal(12).astype(F32)),
        "lif1": nir.LIF(tau=np.full(12, 0.01, dtype=F64), r=np.ones(12, dtype=F64),
                        v_leak=np.zeros(12, dtype=F64), v_threshold=np.full(12, 0.8, dtype=F64),
                        v_reset=np.zeros(12, dtype=F64)),
        "fc2": nir.Linear(weight=sparse_normal(rng, (4, 12), zero_fraction=0.3)),
        "cubalif": nir.CubaLIF(tau_syn=np.full(4, 0.002, dtype=F64), tau_mem=np.full(4, 0.01, dtype=F64),
                               r=np.ones(4, dtype=F64), v_leak=np.zeros(4, dtype=F64),
                               v_threshold=np.ones(4, dtype=F64), v_reset=np.zeros(4, dtype=F64),
                               w_in=np.full(4, 1.5, dtype=F64)),
        "output": nir.Output(output_type=np.array([4])),
    }
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=chain_edges(list(nodes))), compression=None)


def write_recurrent(path):
    """A recurrent LIF layer (snntorch RLeaky style): lif -> w_rec -> lif closes a cycle, so
    the reader must mark w_rec -> lif as recurrent and the fan-out walk must follow it."""
    rng = np.random.default_rng(111)
    nodes = {
        "input": nir.Input(input_type=np.array([6])),
        "fc_in": nir.Linear(weight=sparse_normal(rng, (8, 6), zero_fraction=0.25)),
        "lif": nir.LIF(tau=np.full(8, 0.01, dtype=F32), r=np.ones(8, dtype=F32),
                       v_leak=np.zeros(8, dtype=F32), v_threshold=np.ones(8, dtype=F32),
                       v_reset=np.zeros(8, dtype=F32)),
        "w_rec": nir.Linear(weight=sparse_normal(rng, (8, 8), zero_fraction=0.5)),
        "fc_out": nir.Affine(weight=sparse_normal(rng, (3, 8), zero_fraction=0.25),
                             bias=np.zeros(3, dtype=F32)),
        "if_out": if_node((3,), threshold=1.0),
        "output": nir.Output(output_type=np.array([3])),
    }
    edges = [("input", "fc_in"), ("fc_in", "lif"), ("lif", "w_rec"), ("w_rec", "lif"),
             ("lif", "fc_out"), ("fc_out", "if_out"), ("if_out", "output")]
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=edges))


# VGG-16 for CIFAR-10 (HYDRA variant): conv widths, "M" = AvgPool2d(2, 2).
VGG16_LAYOUT = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512]
VGG16_CLASSIFIER = [(2048, 256), (256, 256), (256, 10)]
VGG16_KEEP_FRACTION = 0.01
VGG16_TOTALS = {"spiking_neurons": 276_992, "weights": 15_302_848, "dense_macs": 313_788_928}
VGG16_NNZ_APPROX = 153_028


def build_vgg16(prune):
    rng = np.random.default_rng(110)

    def he_normal(shape, fan_in):
        weight = (rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)).astype(F32)
        if prune:  # each layer independently: keep round(1%) of its weights
            weight = zero_random(weight, weight.size - round(VGG16_KEEP_FRACTION * weight.size), rng)
        return weight

    nodes = {"input": nir.Input(input_type=np.array([3, 32, 32]))}
    channels, size, n_conv, n_pool = 3, 32, 0, 0
    for layer in VGG16_LAYOUT:
        if layer == "M":
            n_pool += 1
            nodes[f"pool{n_pool}"] = nir.AvgPool2d(kernel_size=np.array([2, 2]),
                                                   stride=np.array([2, 2]), padding=np.array([0, 0]))
            size //= 2
            continue
        n_conv += 1
        # no conv bias in the model: exporters write zeros
        nodes[f"conv{n_conv}"] = nir.Conv2d(input_shape=(size, size),
                                            weight=he_normal((layer, channels, 3, 3), channels * 9),
                                            stride=1, padding=1, dilation=1, groups=1,
                                            bias=np.zeros(layer, dtype=F32))
        nodes[f"if{n_conv}"] = if_node((layer, size, size), threshold=rng.uniform(0.5, 2.0))
        channels = layer
    nodes["flatten"] = nir.Flatten(input_type={"input": np.array([channels, size, size])},
                                   start_dim=0, end_dim=-1)
    for index, (fan_in, fan_out) in enumerate(VGG16_CLASSIFIER, start=1):
        nodes[f"fc{index}"] = nir.Affine(weight=he_normal((fan_out, fan_in), fan_in),
                                         bias=(rng.standard_normal(fan_out) * 0.01).astype(F32))
        if index < len(VGG16_CLASSIFIER):  # no IF after the last layer: analog readout
            nodes[f"if_fc{index}"] = if_node((fan_out,), threshold=rng.uniform(0.5, 2.0))
    nodes["output"] = nir.Output(output_type=np.array([10]))
    return nir.NIRGraph(nodes=nodes, edges=chain_edges(list(nodes)))


def write_vgg16_sparse(path):
    nir.write(path, build_vgg16(prune=True))


def write_vgg16_dense(path):
    nir.write(path, build_vgg16(prune=False))


def check_vgg16_totals(totals, prune):
    for key, value in VGG16_TOTALS.items():
        assert totals[key] == value, f"VGG-16 {key}: {totals[key]} != {value}"
    if prune:
        widths = [c for c in VGG16_LAYOUT if c != "M"]
        layer_sizes = [c_out * c_in * 9 for c_in, c_out in zip([3] + widths, widths)]
        layer_sizes += [a * b for a, b in VGG16_CLASSIFIER]
        assert sum(layer_sizes) == VGG16_TOTALS["weights"]
        assert totals["nonzero_weights"] == sum(round(VGG16_KEEP_FRACTION * n) for n in layer_sizes)
        assert abs(totals["nonzero_weights"] - VGG16_NNZ_APPROX) <= 0.01 * VGG16_NNZ_APPROX
    else:
        assert totals["nonzero_weights"] == totals["weights"]


# --------------------------------------------------------------------------------------
# Broken files: (writer, substrings the reader's error message must contain)
# --------------------------------------------------------------------------------------

def write_mlp_variant(path, edit):
    """Write build_mlp() with h5py after `edit` changed its to_dict() form in place."""
    graph = build_mlp().to_dict()
    edit(graph)
    write_raw_nir(path, graph, version=nir.version, compression="gzip")


def write_bad_truncated(path):
    write_mlp(path)
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(int(size * 0.6))


def write_bad_not_hdf5(path):
    with open(path, "w") as f:
        f.write("This is a plain text file, not an HDF5/NIR file.\n")


def drop_fc1_weight(graph):
    del graph["nodes"]["fc1"]["weight"]


def widen_fc2(graph):
    graph["nodes"]["fc2"]["weight"] = np.ones((10, 33), dtype=F32)  # if1 only gives 32


def add_ghost_edge(graph):
    graph["edges"].append(("if2", "ghost"))


def nan_in_fc1(graph):
    graph["nodes"]["fc1"]["weight"][3, 5] = np.nan


def inf_in_fc2(graph):
    graph["nodes"]["fc2"]["weight"][7, 1] = np.inf


def insert_frobnicate(graph):
    graph["nodes"]["mystery"] = {"type": "Frobnicate", "gain": np.full(32, 2.0, dtype=F32)}
    graph["edges"].remove(("if1", "fc2"))
    graph["edges"] += [("if1", "mystery"), ("mystery", "fc2")]


def write_bad_conv_channels(path):
    rng = np.random.default_rng(111)
    nodes = {
        "input": {"type": "Input", "shape": np.array([2, 8, 8])},
        "conv1": {"type": "Conv2d", "input_shape": np.array([8, 8]),
                  "weight": rng.standard_normal((4, 3, 3, 3)).astype(F32),  # expects 3 channels
                  "stride": np.array([1, 1]), "padding": np.array([1, 1]),
                  "dilation": np.array([1, 1]), "groups": 1, "bias": np.zeros(4, dtype=F32)},
        "if1": {"type": "IF", "r": np.ones((4, 8, 8), dtype=F32),
                "v_threshold": np.ones((4, 8, 8), dtype=F32), "v_reset": np.zeros((4, 8, 8), dtype=F32)},
        "output": {"type": "Output", "shape": np.array([4, 8, 8])},
    }
    write_raw_nir(path, {"type": "NIRGraph", "nodes": nodes, "edges": chain_edges(list(nodes))},
                  version=nir.version, compression="gzip")


BAD_FIXTURES = {
    "bad_truncated": (write_bad_truncated, []),
    "bad_not_hdf5": (write_bad_not_hdf5, []),
    "bad_missing_param": (lambda p: write_mlp_variant(p, drop_fc1_weight), ["fc1", "weight"]),
    "bad_shape_mismatch": (lambda p: write_mlp_variant(p, widen_fc2), ["fc2"]),
    "bad_unknown_edge": (lambda p: write_mlp_variant(p, add_ghost_edge), ["ghost"]),
    "bad_nan_weight": (lambda p: write_mlp_variant(p, nan_in_fc1), ["fc1", "weight"]),
    "bad_inf_weight": (lambda p: write_mlp_variant(p, inf_in_fc2), ["fc2", "weight"]),
    "bad_conv_channels": (write_bad_conv_channels, ["conv1"]),
    "bad_unknown_type": (lambda p: write_mlp_variant(p, insert_frobnicate), ["mystery", "Frobnicate"]),
}

FIXTURES = {
    "mlp": write_mlp,
    "cnn": write_cnn,
    "cnn_overlap": write_cnn_overlap,
    "residual": write_residual,
    "neurons": write_neurons,
    "nested": write_nested,
    "legacy_v02": write_legacy_v02,
    "legacy_v00": write_legacy_v00,
    "contiguous_mixed": write_contiguous_mixed,
    "recurrent": write_recurrent,
    "vgg16_sparse": write_vgg16_sparse,
    "vgg16_dense": write_vgg16_dense,
}
VGG_FIXTURES = {"vgg16_sparse": True, "vgg16_dense": False}  # name -> pruned


# --------------------------------------------------------------------------------------
# Reading a file back (plain h5py) and flattening nested graphs
# --------------------------------------------------------------------------------------
# A plain node is {"type": str, "params": {name: np.ndarray | str}}; a plain graph is
# {"type": "NIRGraph", "nodes": {name: node}, "edges": [(src, dst), ...]}.

def _decode(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def read_plain_node(group):
    node_type = _decode(group["type"][()])
    if node_type == "NIRGraph":
        return {"type": node_type,
                "nodes": {name: read_plain_node(sub) for name, sub in group["nodes"].items()},
                "edges": read_edges(group["edges"])}
    params = {}
    for key, item in group.items():
        if key == "type" or not isinstance(item, h5py.Dataset):  # skips metadata/
            continue
        if h5py.check_string_dtype(item.dtype) is not None:
            params[key] = _decode(item[()])
        else:
            params[key] = np.asarray(item[()])
    return {"type": node_type, "params": params}


def read_edges(dataset):
    data = dataset[()]
    if data.size == 0:  # nir writes an empty edge list as float64 (0,)
        return []
    if data.dtype.kind in "iu":  # nir 0.0.x: node indices = group names "0", "1", ...
        return [(str(a), str(b)) for a, b in data]
    return [(_decode(a), _decode(b)) for a, b in data]


def read_plain_graph(path):
    with h5py.File(path, "r") as f:
        return read_plain_node(f["node"])


def flatten_graph(graph):
    """Flatten nested NIRGraph nodes: inner names become "sub.inner"; an edge into a
    sub-graph goes to every successor of its single inner Input, an edge out of it
    comes from every predecessor of its single inner Output (recursively). Top-level
    Input/Output nodes are kept. Returns (nodes, edges) with edges in a sorted list."""
    nodes, edges = _flatten_level(graph, prefix="")
    return nodes, sorted(set(edges))


def _flatten_level(graph, prefix):
    nodes, edges = {}, []
    entries, exits = {}, {}  # local name -> flattened names an edge resolves to
    for name, node in graph["nodes"].items():
        full = prefix + name
        if node["type"] == "NIRGraph":
            entries[name], exits[name] = _flatten_subgraph(node, full + ".", nodes, edges)
        else:
            nodes[full] = node
            entries[name] = exits[name] = [full]
    for src, dst in graph["edges"]:
        edges += [(a, b) for a in exits[src] for b in entries[dst]]
    return nodes, edges


def _flatten_subgraph(graph, prefix, nodes, edges):
    inner_nodes, inner_edges = _flatten_level(graph, prefix)
    inputs = [n for n, node in inner_nodes.items() if node["type"] == "Input"]
    outputs = [n for n, node in inner_nodes.items() if node["type"] == "Output"]
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(f"sub-graph {prefix[:-1]!r} needs exactly one Input and one Output")
    (port_in,), (port_out,) = inputs, outputs
    entry_targets = [b for a, b in inner_edges if a == port_in]
    exit_sources = [a for a, b in inner_edges if b == port_out]
    for name, node in inner_nodes.items():
        if name not in (port_in, port_out):
            nodes[name] = node
    edges += [e for e in inner_edges if port_in not in e and port_out not in e]
    return entry_targets, exit_sources


# --------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------

def int_tuple(value, ndim):
    """Scalar, (1,) or (ndim,) integer parameter -> tuple of ndim python ints."""
    array = np.asarray(value).reshape(-1)
    if array.size == 1:
        array = np.repeat(array, ndim)
    assert array.size == ndim, f"expected {ndim} values, got {value!r}"
    return tuple(int(v) for v in array)


def window_output_size(size, kernel, stride, pad_total, dilation):
    """PyTorch floor semantics for conv and pool windows along one dimension."""
    out = (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1
    assert out >= 1, "window larger than padded input"
    return out


def conv_geometry(params, in_spatial):
    """Per spatial dim: kernel, stride, dilation, padding before, output size."""
    weight = params["weight"]
    ndim = weight.ndim - 2
    kernel = weight.shape[2:]
    stride = int_tuple(params["stride"], ndim)
    dilation = int_tuple(params["dilation"], ndim)
    padding = params["padding"]
    if isinstance(padding, str):
        assert padding == "valid" or all(s == 1 for s in stride), "'same' needs stride 1"
        pad_total = [0 if padding == "valid" else d * (k - 1) for k, d in zip(kernel, dilation)]
        pad_before = [t // 2 for t in pad_total]  # PyTorch puts an odd extra pixel at the end
    else:
        pad_before = int_tuple(padding, ndim)
        pad_total = [2 * p for p in pad_before]
    out = [window_output_size(n, k, s, t, d)
           for n, k, s, t, d in zip(in_spatial, kernel, stride, pad_total, dilation)]
    return {"kernel": kernel, "stride": stride, "dilation": dilation,
            "pad_before": tuple(pad_before), "out": tuple(out)}


def pool_geometry(params, in_spatial):
    kernel = int_tuple(params["kernel_size"], 2)
    stride = int_tuple(params["stride"], 2)
    padding = int_tuple(params["padding"], 2)
    out = [window_output_size(n, k, s, 2 * p, 1)
           for n, k, s, p in zip(in_spatial, kernel, stride, padding)]
    return {"kernel": kernel, "stride": stride, "dilation": (1, 1),
            "pad_before": padding, "out": tuple(out)}


def flatten_output(in_shape, start_dim, end_dim):
    rank = len(in_shape)
    start, end = int(start_dim) % rank, int(end_dim) % rank
    return in_shape[:start] + (math.prod(in_shape[start:end + 1]),) + in_shape[end + 1:]


def forward_edges(nodes, edges):
    """Drops the back edges of cycles (recurrent edges, which carry the previous step's value):
    those that close a cycle in a depth-first walk from the Input nodes."""
    succs = {n: [] for n in nodes}
    for src, dst in edges:
        succs[src].append(dst)
    state, back = {}, set()

    def visit(name):
        state[name] = "open"
        for dst in succs[name]:
            if state.get(dst) == "open":
                back.add((name, dst))
            elif dst not in state:
                visit(dst)
        state[name] = "done"

    roots = sorted(n for n in nodes if nodes[n]["type"] == "Input") + sorted(nodes)
    for root in roots:
        if root not in state:
            visit(root)
    return [e for e in edges if tuple(e) not in back]


def topological_order(nodes, edges):
    preds = {n: 0 for n in nodes}
    succs = {n: [] for n in nodes}
    for src, dst in edges:
        preds[dst] += 1
        succs[src].append(dst)
    ready = [n for n, count in preds.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for dst in succs[name]:
            preds[dst] -= 1
            if preds[dst] == 0:
                heapq.heappush(ready, dst)
    assert len(order) == len(nodes), "graph has a cycle"
    return order


def infer_shapes(nodes, edges):
    """Returns (input_shapes, output_shapes): activation shapes without batch/time."""
    edges = forward_edges(nodes, edges)
    preds = {n: [] for n in nodes}
    for src, dst in edges:
        preds[dst].append(src)
    in_shapes, out_shapes = {}, {}
    for name in topological_order(nodes, edges):
        incoming = [out_shapes[p] for p in preds[name]]
        # fan-in sums its inputs, so they must agree in size
        assert len({math.prod(s) for s in incoming}) <= 1, f"{name}: fan-in sizes differ"
        in_shapes[name] = incoming[0] if incoming else None
        out_shapes[name] = node_output_shape(name, nodes[name], in_shapes[name])
    return in_shapes, out_shapes


def node_output_shape(name, node, in_shape):
    node_type, params = node["type"], node["params"]
    if node_type == "Input":
        return tuple(int(v) for v in params["shape"])
    if node_type == "Output":
        shape = tuple(int(v) for v in params["shape"])
        assert math.prod(shape) == math.prod(in_shape), f"{name}: Output size mismatch"
        return shape
    if node_type in DENSE_TYPES:
        weight = params["weight"]
        assert weight.ndim == 2 and math.prod(in_shape) == weight.shape[1], f"{name}: input size"
        return (weight.shape[0],)
    if node_type in CONV_TYPES:
        weight = params["weight"]
        assert in_shape[0] == weight.shape[1] * int(params["groups"]), f"{name}: input channels"
        if "input_shape" in params:
            stored = int_tuple(params["input_shape"], weight.ndim - 2)
            assert stored == in_shape[1:], f"{name}: input_shape"
        return (weight.shape[0],) + conv_geometry(params, in_shape[1:])["out"]
    if node_type in POOL_TYPES:
        return (in_shape[0],) + pool_geometry(params, in_shape[1:])["out"]
    if node_type == "Flatten":
        if "input_type" in params:
            assert tuple(params["input_type"]) == in_shape, f"{name}: Flatten input_type"
        return flatten_output(in_shape, params["start_dim"], params["end_dim"])
    if node_type in ELEMENTWISE_TYPES:
        param_shapes = [v.shape for v in params.values() if isinstance(v, np.ndarray)]
        if in_shape is None:
            return tuple(np.broadcast_shapes(*param_shapes))
        for shape in param_shapes:  # params broadcast numpy-style to the activation
            assert np.broadcast_shapes(shape, in_shape) == in_shape, f"{name}: param shape {shape}"
        return in_shape
    raise ValueError(f"{name}: unsupported node type {node_type!r}")


# --------------------------------------------------------------------------------------
# Fan-out scatters (explicit: every output position x every tap)
# --------------------------------------------------------------------------------------

def tap_positions(out_size, in_size, stride, pad_before, dilation, tap):
    """Along one dim, for one kernel tap: the output positions whose tap reads a real
    (non-padding) input element, and the input positions they read."""
    out_pos = np.arange(out_size)
    in_pos = out_pos * stride - pad_before + tap * dilation
    inside = (in_pos >= 0) & (in_pos < in_size)
    return out_pos[inside], in_pos[inside]


def conv_input_synapses(weight, groups, in_shape, geometry):
    """Synapses reached per input element: for every output position and every
    (output channel, tap) with non-zero weight, +1 at the input element the tap reads
    (a transposed convolution of ones through the binary mask)."""
    c_out, c_in_group = weight.shape[:2]
    c_out_group = c_out // groups
    nonzero = weight != 0
    # taps_per_channel[c, *tap] = number of output channels connected to input channel c by this tap
    taps_per_channel = np.zeros((in_shape[0],) + tuple(geometry["kernel"]), dtype=np.int64)
    for g in range(groups):
        taps_per_channel[g * c_in_group:(g + 1) * c_in_group] = \
            nonzero[g * c_out_group:(g + 1) * c_out_group].sum(axis=0)
    counts = np.zeros(in_shape, dtype=np.int64)
    channels = np.arange(in_shape[0])
    for tap in itertools.product(*(range(k) for k in geometry["kernel"])):
        reads = [tap_positions(o, n, s, p, d, t)[1] for o, n, s, p, d, t in
                 zip(geometry["out"], in_shape[1:], geometry["stride"], geometry["pad_before"],
                     geometry["dilation"], tap)]
        values = taps_per_channel[(slice(None),) + tap].reshape((-1,) + (1,) * len(tap))
        np.add.at(counts, np.ix_(channels, *reads), values)
    return counts


def pool_back_scatter(downstream, in_shape, geometry):
    """A spike at an input element enters every pooled window containing it: scatter the
    downstream counts of every pooled position back onto each element of its window."""
    counts = np.zeros(in_shape, dtype=np.int64)
    channels = np.arange(in_shape[0])
    for tap in itertools.product(*(range(k) for k in geometry["kernel"])):
        pairs = [tap_positions(o, n, s, p, 1, t) for o, n, s, p, t in
                 zip(geometry["out"], in_shape[1:], geometry["stride"], geometry["pad_before"], tap)]
        np.add.at(counts, np.ix_(channels, *(i for _, i in pairs)),
                  downstream[np.ix_(channels, *(o for o, _ in pairs))])
    return counts


class FanOut:
    """Per-spike synapse counts: input_synapses(name) is, for every element entering
    node `name`, the number of synapses it reaches at the first target node."""

    def __init__(self, nodes, edges, in_shapes, out_shapes):
        self.nodes, self.in_shapes, self.out_shapes = nodes, in_shapes, out_shapes
        self.succs = {n: [] for n in nodes}
        for src, dst in edges:
            self.succs[src].append(dst)
        self.memo = {}

    def out_degree(self, name):
        """Synapses reached by one spike of each element of `name`, summed over all edges."""
        total = np.zeros(self.out_shapes[name], dtype=np.int64)
        for dst in self.succs[name]:
            total += self.input_synapses(dst).reshape(total.shape)
        return total

    def input_synapses(self, name):
        if name not in self.memo:
            self.memo[name] = self._input_synapses(name)
        return self.memo[name]

    def _input_synapses(self, name):
        node_type, params = self.nodes[name]["type"], self.nodes[name]["params"]
        in_shape = self.in_shapes[name]
        if node_type in DENSE_TYPES:  # non-zeros in the column of each input element
            return (params["weight"] != 0).sum(axis=0).reshape(in_shape)
        if node_type in CONV_TYPES:
            return conv_input_synapses(params["weight"], int(params["groups"]), in_shape,
                                       conv_geometry(params, in_shape[1:]))
        if node_type == "Scale":
            return (np.broadcast_to(params["scale"], in_shape) != 0).astype(np.int64)
        if node_type in NEURON_TYPES or node_type == "Threshold":  # identity synapse
            return np.ones(in_shape, dtype=np.int64)
        if node_type == "Output":  # readout accumulation, not a synaptic operation
            return np.zeros(in_shape, dtype=np.int64)
        if node_type in ("Flatten", "Delay"):  # identity index maps
            return self.out_degree(name).reshape(in_shape)
        if node_type in POOL_TYPES:
            return pool_back_scatter(self.out_degree(name), in_shape,
                                     pool_geometry(params, in_shape[1:]))
        raise ValueError(f"{name}: no fan-out rule for {node_type!r}")


# --------------------------------------------------------------------------------------
# Analysis and expectations
# --------------------------------------------------------------------------------------

def index_bytes(max_value):
    """Smallest unsigned integer width (1, 2, 4, 8 bytes) that holds max_value."""
    return next(b for b in (1, 2, 4, 8) if max_value < 2 ** (8 * b))


def footprint_bytes(weight):
    rows = weight.shape[0]
    cols = weight.size // rows
    n, nnz = weight.size, int(np.count_nonzero(weight))
    result = {"dense": {}, "csr": {}, "bitmask": {}, "coo": {}}
    for precision, value_bytes in (("fp32", 4), ("fp16", 2), ("int8", 1)):
        result["dense"][precision] = n * value_bytes
        result["csr"][precision] = (nnz * value_bytes + nnz * index_bytes(cols - 1)
                                    + (rows + 1) * index_bytes(nnz))
        result["bitmask"][precision] = math.ceil(n / 8) + nnz * value_bytes
        result["coo"][precision] = nnz * (value_bytes + index_bytes(rows - 1) + index_bytes(cols - 1))
    return result


def analyse(nodes, edges, in_shapes, out_shapes):
    fan_out = FanOut(nodes, edges, in_shapes, out_shapes)
    per_node = {}
    for name in sorted(nodes):
        node_type, params = nodes[name]["type"], nodes[name]["params"]
        size = math.prod(out_shapes[name])
        entry = {"neurons": size if node_type in NEURON_TYPES else 0,
                 "spiking_neurons": size if node_type in SPIKING_TYPES else 0,
                 "weights": 0, "nonzero_weights": 0, "biases": 0, "dense_macs": 0}
        if node_type in DENSE_TYPES | CONV_TYPES | {"Scale"}:
            weight = params["scale" if node_type == "Scale" else "weight"]
            entry["weights"] = int(weight.size)
            entry["nonzero_weights"] = int(np.count_nonzero(weight))
        if node_type in DENSE_TYPES | CONV_TYPES:
            entry["biases"] = int(params["bias"].size) if "bias" in params else 0
            # MACs per output element: one per input element of the receptive field
            entry["dense_macs"] = size * math.prod(weight.shape[1:])
            entry["footprint_bytes"] = footprint_bytes(weight)
        elif node_type == "Scale":
            entry["dense_macs"] = size
        if node_type in SPIKING_TYPES:
            degree = fan_out.out_degree(name)
            entry["out_degree_total"] = int(degree.sum())
            entry["out_degree_sum_squares"] = int((degree * degree).sum())
            entry["out_degree_max"] = int(degree.max())
            if size <= OUT_DEGREE_LIST_LIMIT:
                entry["out_degree"] = degree.reshape(-1).tolist()
        per_node[name] = entry
    totals = {key: sum(e[key] for e in per_node.values()) for key in
              ("spiking_neurons", "neurons", "weights", "nonzero_weights", "biases", "dense_macs")}
    totals["synops_if_all_fire_once"] = sum(e.get("out_degree_total", 0) for e in per_node.values())
    return {"totals": totals, "per_node": per_node}


def param_entry(value):
    return {"shape": list(value.shape), "dtype": value.dtype.name,
            "values": value.astype(np.float64).reshape(-1).tolist()}


def compute_expectations(name, path):
    nodes, edges = flatten_graph(read_plain_graph(path))
    in_shapes, out_shapes = infer_shapes(nodes, edges)
    analysis = analyse(nodes, edges, in_shapes, out_shapes)
    with_params = analysis["totals"]["weights"] < PARAMS_WEIGHT_LIMIT
    node_entries = {}
    for node_name in sorted(nodes):
        node = nodes[node_name]
        entry = {"type": node["type"], "output_shape": list(out_shapes[node_name])}
        if with_params:
            entry["params"] = {k: param_entry(v) for k, v in sorted(node["params"].items())
                               if isinstance(v, np.ndarray)}
        if isinstance(node["params"].get("padding"), str):
            entry["padding_string"] = node["params"]["padding"]
        node_entries[node_name] = entry
    return {"fixture": name, "nodes": node_entries,
            "edges": [list(e) for e in edges], "analysis": analysis}


# --------------------------------------------------------------------------------------
# Self-test: scatters against brute-force loops, flattening against a hand-made case
# --------------------------------------------------------------------------------------

def conv_input_synapses_bruteforce(weight, groups, in_shape, geometry):
    counts = np.zeros(in_shape, dtype=np.int64)
    c_out, c_in_group = weight.shape[:2]
    c_out_group = c_out // groups
    for out_pos in itertools.product(*(range(o) for o in geometry["out"])):
        for co in range(c_out):
            for ci in range(c_in_group):
                for tap in itertools.product(*(range(k) for k in geometry["kernel"])):
                    if weight[(co, ci) + tap] == 0:
                        continue
                    pos = tuple(o * s - p + t * d for o, s, p, t, d in
                                zip(out_pos, geometry["stride"], geometry["pad_before"], tap,
                                    geometry["dilation"]))
                    if all(0 <= q < n for q, n in zip(pos, in_shape[1:])):
                        counts[(co // c_out_group * c_in_group + ci,) + pos] += 1
    return counts


def pool_back_scatter_bruteforce(downstream, in_shape, geometry):
    counts = np.zeros(in_shape, dtype=np.int64)
    for c in range(in_shape[0]):
        for out_pos in itertools.product(*(range(o) for o in geometry["out"])):
            for tap in itertools.product(*(range(k) for k in geometry["kernel"])):
                pos = tuple(o * s - p + t for o, s, p, t in
                            zip(out_pos, geometry["stride"], geometry["pad_before"], tap))
                if all(0 <= q < n for q, n in zip(pos, in_shape[1:])):
                    counts[(c,) + pos] += downstream[(c,) + out_pos]
    return counts


def self_test():
    rng = np.random.default_rng(7)
    conv_cases = [  # (weight shape, groups, input shape, stride, padding, dilation)
        ((6, 2, 3, 2), 2, (4, 7, 9), (2, 1), (1, 2), (1, 2)),
        ((3, 2, 3, 5), 1, (2, 6, 6), 1, "same", 1),
        ((4, 1, 4, 3), 1, (1, 8, 7), 1, "same", (1, 2)),  # even kernel: asymmetric 'same'
        ((5, 3, 2, 2), 1, (3, 5, 5), (2, 2), 0, 1),
        ((3, 2, 3), 1, (2, 10), 2, 1, 1),                 # Conv1d
        ((4, 2, 3), 2, (4, 11), 1, 2, 2),
    ]
    for shape, groups, in_shape, stride, padding, dilation in conv_cases:
        params = {"weight": sparse_normal(rng, shape, zero_fraction=0.4), "groups": groups,
                  "stride": stride, "padding": padding, "dilation": dilation}
        geometry = conv_geometry(params, in_shape[1:])
        fast = conv_input_synapses(params["weight"], groups, in_shape, geometry)
        slow = conv_input_synapses_bruteforce(params["weight"], groups, in_shape, geometry)
        assert np.array_equal(fast, slow), f"conv scatter mismatch for {shape}, {padding}"
    pool_cases = [((3, 3), (2, 2), (1, 1), (2, 9, 8)), ((3, 2), (2, 1), (1, 1), (3, 5, 2)),
                  ((2, 2), (2, 2), (0, 0), (2, 5, 7))]
    for kernel, stride, padding, in_shape in pool_cases:
        geometry = pool_geometry({"kernel_size": kernel, "stride": stride, "padding": padding},
                                 in_shape[1:])
        downstream = rng.integers(0, 5, size=(in_shape[0],) + geometry["out"])
        fast = pool_back_scatter(downstream, in_shape, geometry)
        slow = pool_back_scatter_bruteforce(downstream, in_shape, geometry)
        assert np.array_equal(fast, slow), f"pool scatter mismatch for {kernel}, {stride}"

    def leaf(node_type):
        return {"type": node_type, "params": {}}
    inner = {"type": "NIRGraph", "nodes": {"i": leaf("Input"), "a": leaf("IF"), "o": leaf("Output")},
             "edges": [("i", "a"), ("a", "o")]}
    block = {"type": "NIRGraph",
             "nodes": {"i": leaf("Input"), "x": leaf("Linear"), "y": leaf("Scale"), "g": inner,
                       "o": leaf("Output")},
             "edges": [("i", "x"), ("i", "y"), ("x", "g"), ("y", "o"), ("g", "o")]}
    top = {"type": "NIRGraph", "nodes": {"in": leaf("Input"), "b": block, "out": leaf("Output")},
           "edges": [("in", "b"), ("b", "out")]}
    nodes, edges = flatten_graph(top)
    assert sorted(nodes) == ["b.g.a", "b.x", "b.y", "in", "out"], sorted(nodes)
    assert edges == [("b.g.a", "out"), ("b.x", "b.g.a"), ("b.y", "out"),
                     ("in", "b.x"), ("in", "b.y")], edges
    widths = [index_bytes(m) for m in (0, 255, 256, 65535, 65536, 2**32 - 1, 2**32)]
    assert widths == [1, 1, 2, 2, 4, 4, 8], widths
    print("self-test OK")


# --------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", nargs="?", help="directory for NAME.nir and NAME.expected.json")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="generate only these fixtures")
    parser.add_argument("--skip-vgg", action="store_true", help="skip the (large) VGG-16 fixtures")
    parser.add_argument("--with-dense-vgg", action="store_true", help="also write vgg16_dense (~60 MB)")
    parser.add_argument("--self-test", action="store_true", help="check the scatters by brute force")
    args = parser.parse_args()
    if args.self_test:
        self_test()
        return
    if not args.out_dir:
        parser.error("OUT_DIR is required")

    all_names = list(FIXTURES) + list(BAD_FIXTURES)
    names = args.only or [n for n in all_names if n != "vgg16_dense" or args.with_dense_vgg]
    unknown = sorted(set(names) - set(all_names))
    if unknown:
        parser.error(f"unknown fixture(s): {', '.join(unknown)}; known: {', '.join(all_names)}")
    if args.skip_vgg:
        names = [n for n in names if n not in VGG_FIXTURES]

    os.makedirs(args.out_dir, exist_ok=True)
    start = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        path = os.path.join(args.out_dir, name + ".nir")
        if name in BAD_FIXTURES:
            writer, error_contains = BAD_FIXTURES[name]
            writer(path)
            expected = {"error_contains": error_contains}
        else:
            FIXTURES[name](path)
            expected = compute_expectations(name, path)
            if name in VGG_FIXTURES:
                check_vgg16_totals(expected["analysis"]["totals"], prune=VGG_FIXTURES[name])
        with open(os.path.join(args.out_dir, name + ".expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        print(f"{name}: {os.path.getsize(path)} bytes, {time.perf_counter() - t0:.2f} s")
    print(f"total {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
