#!/usr/bin/env python3
"""Generate simulation fixtures for NeuroCost's `run`: a network, a data file and the
reference simulator's per-sample, per-step, per-layer counts and predictions.

Usage:
    make_sim_fixtures.py OUT_DIR [--only CASE ...]
    make_sim_fixtures.py --self-test [--only CASE ...]
    make_sim_fixtures.py --list

For every CASE this writes OUT_DIR/CASE.nir (with the real `nir` package), OUT_DIR/CASE.data.h5
(`images` float32, `labels` int64) and OUT_DIR/CASE.sim.json (see README.md). Counts come
from reference_simulator.py (clock-driven, dense numpy).

"exact" cases use dyadic values only (weights, biases, thresholds, inputs are small multiples
of 2^-8, dt and tau powers of two so alpha is 0.5 or 0.25, r = 1): every float32 operation is
exact in any order. The generator proves it: it reruns the case in float64 and asserts that
every output, state and accumulation is identical at every step.

--self-test regenerates the cases in a temporary directory and checks synops, macs and
bias_adds against brute-force loops over individual spikes, input elements and weights, the
synops totals against the static out-degrees of make_fixtures.py, and the Poisson hash
against a pure-python SplitMix64.

Requires nir 1.0.8, h5py, numpy. Deterministic: every case has its own fixed seed.
"""
import argparse
import itertools
import json
import math
import os
import sys
import tempfile
import time

import h5py
import nir
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import FanOut, infer_shapes, zero_random  # noqa: E402
import reference_simulator as ref  # noqa: E402

F32, F64 = np.float32, np.float64
DT = 2.0 ** -10          # 0.0009765625 s
TAU_HALF = 2.0 ** -9     # alpha = dt / tau = 0.5
TAU_QUARTER = 2.0 ** -8  # alpha = 0.25


# --------------------------------------------------------------------------------------
# Dyadic builders
# --------------------------------------------------------------------------------------

def dyadic(rng, shape, low, high, step=1 / 8, zero_fraction=None):
    """Multiples of `step` (a power of two) in [low, high] as float32. With zero_fraction the
    values are drawn non-zero and exactly round(zero_fraction * size) of them are zeroed."""
    ks = np.arange(round(low / step), round(high / step) + 1)
    if zero_fraction is not None:
        ks = ks[ks != 0]
    values = (rng.choice(ks, size=shape) * step).astype(F32)
    if zero_fraction:
        values = zero_random(values, round(zero_fraction * values.size), rng)
    return values


def full(shape, value, dtype=F32):
    return np.full(shape, value, dtype=dtype)


def if_node(shape, threshold, v_reset=0.0, dtype=F32):
    return nir.IF(r=full(shape, 1.0, dtype), v_threshold=full(shape, threshold, dtype),
                  v_reset=full(shape, v_reset, dtype))


def lif_node(shape, tau, threshold, v_leak=0.0, v_reset=0.0, dtype=F32):
    """tau / threshold / v_leak may be arrays of `shape` or scalars."""
    return nir.LIF(tau=np.broadcast_to(np.asarray(tau, dtype=dtype), shape).copy(),
                   r=full(shape, 1.0, dtype),
                   v_leak=np.broadcast_to(np.asarray(v_leak, dtype=dtype), shape).copy(),
                   v_threshold=np.broadcast_to(np.asarray(threshold, dtype=dtype), shape).copy(),
                   v_reset=np.broadcast_to(np.asarray(v_reset, dtype=dtype), shape).copy())


def chain(names):
    return [(a, b) for a, b in zip(names, names[1:])]


def flatten_node(shape):
    return nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0, end_dim=-1)


def pool(kind, kernel, stride, padding):
    cls = nir.SumPool2d if kind == "sum" else nir.AvgPool2d
    return cls(kernel_size=np.array(kernel), stride=np.array(stride), padding=np.array(padding))


def labels_for(rng, n, classes):
    return rng.integers(0, classes, size=n).astype(np.int64)


def options(**overrides):
    base = {"timesteps": 8, "encoding": "direct", "reset": "subtract", "threshold_compare": "gt",
            "dt": DT, "seed": 0}
    base.update(overrides)
    return base


# --------------------------------------------------------------------------------------
# Cases: each returns {"graph", "images", "labels", "options", "exact", "about"}
# --------------------------------------------------------------------------------------

def case_mlp_dense_direct():
    rng = np.random.default_rng(201)
    n = 12
    nodes = {
        "input": nir.Input(input_type=np.array([16])),
        "fc1": nir.Affine(weight=dyadic(rng, (24, 16), -1, 1, zero_fraction=0.0),
                          bias=dyadic(rng, 24, -0.5, 0.5)),
        "if1": if_node((24,), threshold=1.5),
        "fc2": nir.Affine(weight=dyadic(rng, (10, 24), -1, 1, zero_fraction=0.0),
                          bias=dyadic(rng, 10, -0.5, 0.5)),
        "if2": if_node((10,), threshold=1.0),
        "output": nir.Output(output_type=np.array([10])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": dyadic(rng, (n, 16), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 10),
            "options": options(seed=7), "exact": True,
            "about": "IF MLP, dense dyadic weights, Affine biases with zeros, direct input (first-layer MACs every step)"}


def case_mlp_sparse90_direct():
    rng = np.random.default_rng(202)
    n = 12
    nodes = {
        "input": nir.Input(input_type=np.array([16])),
        "fc1": nir.Affine(weight=dyadic(rng, (24, 16), -2, 2, step=1 / 4, zero_fraction=0.9),
                          bias=dyadic(rng, 24, -0.25, 0.5)),
        "if1": if_node((24,), threshold=0.5),
        "fc2": nir.Affine(weight=dyadic(rng, (10, 24), -2, 2, step=1 / 4, zero_fraction=0.9),
                          bias=dyadic(rng, 10, -0.25, 0.5)),
        "if2": if_node((10,), threshold=2.5),
        "output": nir.Output(output_type=np.array([10])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": dyadic(rng, (n, 16), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 10),
            "options": options(seed=7), "exact": True,
            "about": "same architecture, exactly 90% zero weights per layer"}


def case_cnn_pools_direct():
    rng = np.random.default_rng(203)
    n = 10
    nodes = {
        "input": nir.Input(input_type=np.array([2, 10, 10])),
        "conv1": nir.Conv2d(input_shape=(10, 10), weight=dyadic(rng, (6, 2, 3, 3), -1, 1, zero_fraction=0.2),
                            stride=2, padding=1, dilation=1, groups=1,
                            bias=np.array([0.25, 0, -0.125, 0.125, 0, 0.5], dtype=F32)),  # -> [6,5,5]
        "if1": if_node((6, 5, 5), threshold=2.25),
        "pool1": pool("sum", (2, 2), (2, 2), (0, 0)),          # -> [6,2,2] (floor drops row/col 4)
        "conv2": nir.Conv2d(input_shape=None, weight=dyadic(rng, (8, 3, 3, 3), -1, 1, zero_fraction=0.3),
                            stride=1, padding=1, dilation=1, groups=2,
                            bias=np.array([0, 0.125, 0, -0.25, 0.25, 0, 0, 0.125], dtype=F32)),  # -> [8,2,2]
        "if2": if_node((8, 2, 2), threshold=1.75),
        "pool2": pool("avg", (2, 2), (2, 2), (0, 0)),          # -> [8,1,1]
        "flatten": flatten_node((8, 1, 1)),
        "fc": nir.Affine(weight=dyadic(rng, (10, 8), -2, 2, step=1 / 4, zero_fraction=0.2),
                         bias=np.zeros(10, dtype=F32)),
        "if3": if_node((10,), threshold=1.875),
        "output": nir.Output(output_type=np.array([10])),
    }
    # grouped conv: nir derives C_in from weight.shape[1], so input_shape is left to type inference
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": dyadic(rng, (n, 2, 10, 10), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 10),
            "options": options(), "exact": True,
            "about": "Conv2d stride 2 pad 1 + bias, SumPool2d, grouped conv, AvgPool2d (spike = 1/4), Flatten, Affine"}


def case_cnn_overlap_pool():
    rng = np.random.default_rng(204)
    n = 8
    nodes = {
        "input": nir.Input(input_type=np.array([2, 9, 9])),
        "conv1": nir.Conv2d(input_shape=(9, 9), weight=dyadic(rng, (4, 2, 3, 3), -1, 1, zero_fraction=0.25),
                            stride=1, padding=2, dilation=2, groups=1,
                            bias=np.zeros(4, dtype=F32)),              # -> [4,9,9]
        "if1": if_node((4, 9, 9), threshold=1.5),
        "pool1": pool("sum", (3, 3), (2, 2), (1, 1)),                  # overlapping, padded -> [4,5,5]
        "conv2": nir.Conv2d(input_shape=(5, 5), weight=dyadic(rng, (6, 4, 2, 2), -1, 0.75, zero_fraction=0.25),
                            stride=1, padding=0, dilation=1, groups=1,
                            bias=np.array([0.125, 0, 0, -0.25, 0, 0.25], dtype=F32)),  # -> [6,4,4]
        "if2": if_node((6, 4, 4), threshold=3.0),
        "pool2": pool("avg", (2, 2), (1, 1), (1, 1)),                  # overlapping, padding counted -> [6,5,5]
        "flatten": flatten_node((6, 5, 5)),
        "fc": nir.Linear(weight=dyadic(rng, (6, 150), -1, 1, zero_fraction=0.5)),
        "if3": if_node((6,), threshold=2.5),
        "output": nir.Output(output_type=np.array([6])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": dyadic(rng, (n, 2, 9, 9), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 6),
            "options": options(), "exact": True,
            "about": "dilation-2 conv, overlapping padded SumPool2d(k3 s2 p1), AvgPool2d(k2 s1 p1)"}


def case_cnn_sparse_direct():
    rng = np.random.default_rng(213)
    n = 10
    nodes = {
        "input": nir.Input(input_type=np.array([2, 12, 12])),
        "conv1": nir.Conv2d(input_shape=(12, 12), weight=dyadic(rng, (8, 2, 3, 3), -1, 1, zero_fraction=0.1),
                            stride=1, padding=1, dilation=1, groups=1, bias=np.zeros(8, dtype=F32)),  # -> [8,12,12]
        "if1": if_node((8, 12, 12), threshold=1.0),
        "conv2": nir.Conv2d(input_shape=(12, 12), weight=dyadic(rng, (16, 8, 3, 3), -1.5, 2, zero_fraction=0.88),
                            stride=1, padding=1, dilation=1, groups=1,
                            bias=dyadic(rng, 16, -0.25, 0.25)),                         # -> [16,12,12]
        "if2": if_node((16, 12, 12), threshold=2.5),
        "conv3": nir.Conv2d(input_shape=None, weight=dyadic(rng, (16, 8, 3, 3), -1.5, 2, zero_fraction=0.8),
                            stride=1, padding=2, dilation=2, groups=2, bias=np.zeros(16, dtype=F32)),  # -> [16,12,12]
        "if3": if_node((16, 12, 12), threshold=3.0),
        "pool1": pool("avg", (2, 2), (2, 2), (0, 0)),                                   # -> [16,6,6]
        "conv4": nir.Conv2d(input_shape=(6, 6), weight=dyadic(rng, (12, 16, 3, 3), -1, 2, zero_fraction=0.88),
                            stride=1, padding=1, dilation=1, groups=1, bias=np.zeros(12, dtype=F32)),  # -> [12,6,6]
        "if4": if_node((12, 6, 6), threshold=3.0),
        "conv5": nir.Conv2d(input_shape=(6, 6), weight=dyadic(rng, (12, 12, 3, 3), -1, 2, zero_fraction=0.85),
                            stride=2, padding=1, dilation=1, groups=1, bias=np.zeros(12, dtype=F32)),  # -> [12,3,3]
        "if5": if_node((12, 3, 3), threshold=4.0),
        "flatten": flatten_node((12, 3, 3)),
        "fc": nir.Affine(weight=dyadic(rng, (10, 108), -1, 1, zero_fraction=0.9), bias=np.zeros(10, dtype=F32)),
        "output": nir.Output(output_type=np.array([10])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": dyadic(rng, (n, 2, 12, 12), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 10),
            "options": options(reset="value"), "exact": True,
            "about": "sparse convolutions (80-88% zeros): stride 1 pad 1 and stride 1 after an AvgPool2d (spikes of a "
                     "window summed), both sparse enough (88%) for the flat per-class lists; dilation 2 with groups and "
                     "stride 2 (per-tap path)"}


def case_cnn_dense_spikes_direct():
    rng = np.random.default_rng(214)
    n = 8
    nodes = {
        "input": nir.Input(input_type=np.array([2, 10, 10])),
        "conv1": nir.Conv2d(input_shape=(10, 10), weight=dyadic(rng, (8, 2, 3, 3), -1, 1),
                            stride=1, padding=1, dilation=1, groups=1, bias=np.zeros(8, dtype=F32)),   # -> [8,10,10]
        # per-neuron r and thresholds (the IF step's general path)
        "if1": nir.IF(r=dyadic(rng, (8, 10, 10), 0.5, 1.5, step=1 / 4, zero_fraction=0.0),
                      v_threshold=dyadic(rng, (8, 10, 10), 0.75, 1.5, step=1 / 8, zero_fraction=0.0),
                      v_reset=full((8, 10, 10), 0.0)),
        "conv2": nir.Conv2d(input_shape=(10, 10), weight=dyadic(rng, (72, 8, 3, 3), -0.5, 0.5, step=1 / 16),
                            stride=1, padding=1, dilation=1, groups=1,
                            bias=dyadic(rng, 72, -0.25, 0.25)),                                       # -> [72,10,10]
        "if2": if_node((72, 10, 10), threshold=1.25),
        "pool1": pool("avg", (2, 2), (2, 2), (0, 0)),                                                 # -> [72,5,5]
        "conv3": nir.Conv2d(input_shape=(5, 5), weight=dyadic(rng, (8, 72, 3, 3), -0.5, 1, step=1 / 16),
                            stride=1, padding=2, dilation=2, groups=1, bias=np.zeros(8, dtype=F32)),  # -> [8,5,5]
        "if3": if_node((8, 5, 5), threshold=40.0),
        "conv4": nir.Conv2d(input_shape=(5, 5), weight=dyadic(rng, (16, 8, 3, 3), -0.5, 1, step=1 / 16),
                            stride=2, padding=1, dilation=1, groups=1, bias=np.zeros(16, dtype=F32)),  # -> [16,3,3]
        "if4": if_node((16, 3, 3), threshold=12.0),
        "flatten": flatten_node((16, 3, 3)),
        "fc": nir.Affine(weight=dyadic(rng, (10, 144), -1, 1), bias=np.zeros(10, dtype=F32)),
        "output": nir.Output(output_type=np.array([10])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": dyadic(rng, (n, 2, 10, 10), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 10),
            "options": options(), "exact": True,
            "about": "dense convolutions fed by spikes (72 = 64 + 8 output channels, 16, 8: grouped by input position), one through "
                     "an AvgPool2d (several spikes summed into one input), dilation 2, stride 2"}


def case_residual_direct():
    rng = np.random.default_rng(205)
    n = 12
    scale = dyadic(rng, 12, -0.5, 1.5, step=1 / 4, zero_fraction=0.0)
    scale[[1, 6, 9]] = 0
    nodes = {
        "input": nir.Input(input_type=np.array([8])),
        "fc_a": nir.Affine(weight=dyadic(rng, (12, 8), -1, 1, zero_fraction=0.25),
                           bias=dyadic(rng, 12, -0.25, 0.5)),
        "if_a": if_node((12,), threshold=0.75),
        "fc_b": nir.Linear(weight=dyadic(rng, (12, 12), -1, 1, zero_fraction=0.5)),
        "if_b": if_node((12,), threshold=1.0),
        "scale_a": nir.Scale(scale=scale),
        "thr": nir.Threshold(threshold=full(12, 0.5)),
        "if_c": if_node((12,), threshold=1.5),
        "fc_out": nir.Linear(weight=dyadic(rng, (4, 12), -1, 1, zero_fraction=0.25)),
        "if_out": if_node((4,), threshold=1.0),
        "output": nir.Output(output_type=np.array([4])),
    }
    edges = [("input", "fc_a"), ("fc_a", "if_a"), ("if_a", "fc_b"), ("fc_b", "if_b"),
             ("if_a", "if_b"),                          # identity skip IF -> IF
             ("if_a", "scale_a"), ("scale_a", "if_c"),  # Scale branch (analog into if_c)
             ("fc_a", "thr"), ("thr", "if_c"),          # Threshold: stateless spiking unit
             ("if_b", "if_c"), ("if_c", "fc_out"), ("fc_out", "if_out"), ("if_out", "output")]
    return {"graph": nir.NIRGraph(nodes=nodes, edges=edges),
            "images": dyadic(rng, (n, 8), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 4),
            "options": options(), "exact": True,
            "about": "identity skip if_a -> if_b, Scale branch with zero gains, Threshold branch, 3-way fan-in"}


def case_lif_value_reset_ge():
    rng = np.random.default_rng(206)
    n = 12
    tau1 = np.where(rng.random(16) < 0.5, TAU_HALF, TAU_QUARTER).astype(F32)  # alpha 0.5 / 0.25
    v_leak1 = np.where(rng.random(16) < 0.5, 0.0, 0.125).astype(F32)
    nodes = {
        "input": nir.Input(input_type=np.array([12])),
        "fc1": nir.Affine(weight=dyadic(rng, (16, 12), -1, 1, zero_fraction=0.25),
                          bias=dyadic(rng, 16, -0.25, 0.5)),
        "lif1": lif_node((16,), tau1, threshold=0.75, v_leak=v_leak1, v_reset=-0.25),
        "fc2": nir.Linear(weight=dyadic(rng, (8, 16), -1, 1.5, zero_fraction=0.25)),
        # 0-d parameters, broadcast to the activation
        "lif2": nir.LIF(tau=F32(TAU_HALF), r=F32(1.0), v_leak=F32(0.0), v_threshold=F32(0.5),
                        v_reset=F32(0.125)),
        "integ": nir.I(r=np.array([0.5], dtype=F32)),
        "output": nir.Output(output_type=np.array([8])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes)), type_check=False),
            "images": dyadic(rng, (n, 12), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 8),
            "options": options(reset="value", threshold_compare="ge", timesteps=8), "exact": True,
            "about": "LIF (alpha 0.5/0.25 per neuron, v_leak 0/0.125, v_reset -0.25), 0-d LIF, I readout; reset value, ge"}


def case_cubalif_direct():
    rng = np.random.default_rng(207)
    n = 10
    nodes = {
        "input": nir.Input(input_type=np.array([10])),
        "fc1": nir.Affine(weight=dyadic(rng, (12, 10), -1, 1, step=1 / 4, zero_fraction=0.2),
                          bias=dyadic(rng, 12, -0.25, 0.5, step=1 / 4)),
        "cub": nir.CubaLIF(tau_syn=full(12, TAU_HALF), tau_mem=full(12, TAU_HALF), r=full(12, 1.0),
                           v_leak=full(12, 0.0), v_threshold=full(12, 1.0), v_reset=full(12, 0.0),
                           w_in=np.where(rng.random(12) < 0.5, 1.0, 2.0).astype(F32)),
        "fc2": nir.Linear(weight=dyadic(rng, (6, 12), -1, 1, step=1 / 4, zero_fraction=0.25)),
        "cubali": nir.CubaLI(tau_syn=full(12, TAU_HALF), tau_mem=full(12, TAU_HALF), r=full(12, 1.0),
                             v_leak=full(12, 0.0), w_in=full(12, 1.0)),
        "fc3": nir.Linear(weight=dyadic(rng, (6, 12), -1, 1, step=1 / 2, zero_fraction=0.5)),
        "li": nir.LI(tau=full(6, TAU_HALF), r=full(6, 1.0), v_leak=full(6, 0.0)),
        "output": nir.Output(output_type=np.array([6])),
    }
    edges = [("input", "fc1"), ("fc1", "cub"), ("cub", "fc2"), ("fc2", "li"),
             ("fc1", "cubali"), ("cubali", "fc3"), ("fc3", "li"),  # analog CubaLI feeds fc3: MACs
             ("li", "output")]
    return {"graph": nir.NIRGraph(nodes=nodes, edges=edges),
            "images": dyadic(rng, (n, 10), 0, 1, step=1 / 2), "labels": labels_for(rng, n, 6),
            "options": options(timesteps=6), "exact": True,
            "about": "CubaLIF (w_in 1/2) and an analog CubaLI branch (MACs at fc3) into an LI readout"}


def case_poisson_mlp():
    rng = np.random.default_rng(208)
    n = 12
    images = dyadic(rng, (n, 16), 0, 1, step=1 / 16)
    images[0, :4] = [0, 1, 0, 1]
    nodes = {
        "input": nir.Input(input_type=np.array([16])),
        "fc1": nir.Affine(weight=dyadic(rng, (20, 16), -1, 1, zero_fraction=0.25),
                          bias=dyadic(rng, 20, -0.25, 0.25)),
        "if1": if_node((20,), threshold=1.0),
        "fc2": nir.Linear(weight=dyadic(rng, (10, 20), -1, 1, zero_fraction=0.25)),
        "if2": if_node((10,), threshold=0.5),
        "output": nir.Output(output_type=np.array([10])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": images, "labels": labels_for(rng, n, 10),
            "options": options(encoding="poisson", seed=7), "exact": True,
            "about": "poisson encoding (SplitMix64 hash, seed 7): first-layer work is synops"}


def case_spikes_encoding_cnn():
    rng = np.random.default_rng(209)
    n, steps = 8, 8
    nodes = {
        "input": nir.Input(input_type=np.array([2, 8, 8])),
        "conv1": nir.Conv2d(input_shape=(8, 8), weight=dyadic(rng, (4, 2, 2, 3), -1, 1, zero_fraction=0.25),
                            stride=1, padding="same", dilation=1, groups=1,
                            bias=np.array([0, 0.125, 0, 0.25], dtype=F32)),  # even kernel: pad after
        "if1": if_node((4, 8, 8), threshold=1.375),
        "pool1": pool("avg", (2, 2), (2, 2), (0, 0)),                       # -> [4,4,4]
        "conv2": nir.Conv2d(input_shape=(4, 4), weight=dyadic(rng, (6, 4, 3, 3), -1, 1, zero_fraction=0.3),
                            stride=2, padding=1, dilation=1, groups=1,
                            bias=np.zeros(6, dtype=F32)),                      # -> [6,2,2]
        "if2": if_node((6, 2, 2), threshold=1.875),
        "flatten": flatten_node((6, 2, 2)),
        "fc": nir.Affine(weight=dyadic(rng, (5, 24), -1, 1.5, zero_fraction=0.25),
                         bias=np.array([0, 0, 0.125, 0, -0.125], dtype=F32)),
        "if3": if_node((5,), threshold=4.375),
        "output": nir.Output(output_type=np.array([5])),
    }
    images = (rng.random((n, steps, 2, 8, 8)) < 0.25).astype(F32)
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": images, "labels": labels_for(rng, n, 5),
            "options": options(encoding="spikes"), "exact": True,
            "about": "spike-train input (N,T,2,8,8); Conv2d padding 'same' with a 2x3 kernel, AvgPool2d, stride-2 conv"}


def case_recurrent_lif():
    rng = np.random.default_rng(210)
    n = 12
    nodes = {
        "input": nir.Input(input_type=np.array([8])),
        "fc_in": nir.Linear(weight=dyadic(rng, (10, 8), -1, 1, zero_fraction=0.25)),
        "lif": lif_node((10,), TAU_HALF, threshold=0.5),
        "w_rec": nir.Linear(weight=dyadic(rng, (10, 10), -1, 1, zero_fraction=0.5)),
        "fc_out": nir.Affine(weight=dyadic(rng, (4, 10), -1, 1, zero_fraction=0.25),
                             bias=np.array([0, 0.125, 0, 0], dtype=F32)),
        "if_out": if_node((4,), threshold=0.5),
        "output": nir.Output(output_type=np.array([4])),
    }
    edges = [("input", "fc_in"), ("fc_in", "lif"), ("lif", "w_rec"), ("w_rec", "lif"),
             ("lif", "fc_out"), ("fc_out", "if_out"), ("if_out", "output")]
    return {"graph": nir.NIRGraph(nodes=nodes, edges=edges),
            "images": dyadic(rng, (n, 8), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 4),
            "options": options(), "exact": True,
            "about": "recurrent LIF: w_rec -> lif is the back edge (previous step's value)"}


def case_mlp_float_direct():
    rng = np.random.default_rng(211)
    n = 16
    nodes = {
        "input": nir.Input(input_type=np.array([20])),
        "fc1": nir.Affine(weight=(rng.standard_normal((32, 20)) * 0.4).astype(F32),
                          bias=(rng.standard_normal(32) * 0.1).astype(F32)),
        "if1": if_node((32,), threshold=1.0),
        "fc2": nir.Affine(weight=(rng.standard_normal((10, 32)) * 0.5).astype(F32),
                          bias=(rng.standard_normal(10) * 0.1).astype(F32)),
        "if2": if_node((10,), threshold=2.5),
        "output": nir.Output(output_type=np.array([10])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": rng.random((n, 20)).astype(F32), "labels": labels_for(rng, n, 10),
            "options": options(dt=1e-3), "exact": False,
            "about": "ordinary float32 weights and inputs: summation order may change a spike"}


def case_affine_readout_mlp():
    rng = np.random.default_rng(212)
    n = 12
    nodes = {
        "input": nir.Input(input_type=np.array([16])),
        "fc1": nir.Affine(weight=dyadic(rng, (24, 16), -1, 1, zero_fraction=0.25),
                          bias=dyadic(rng, 24, -0.25, 0.25)),
        "if1": if_node((24,), threshold=1.0),
        "fc2": nir.Affine(weight=dyadic(rng, (12, 24), -1, 1, zero_fraction=0.5),
                          bias=dyadic(rng, 12, -0.25, 0.25)),
        "fc3": nir.Affine(weight=dyadic(rng, (10, 12), -1, 1, zero_fraction=0.25),
                          bias=dyadic(rng, 10, -0.125, 0.125)),
        "output": nir.Output(output_type=np.array([10])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": dyadic(rng, (n, 16), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 10),
            "options": options(), "exact": True,
            "about": "analog readout: fc2 (spikes in, synops) -> fc3 (analog in, MACs) -> Output"}


def case_recurrent_mixed_input():
    rng = np.random.default_rng(213)
    n = 10
    nodes = {
        "input": nir.Input(input_type=np.array([8])),
        "mix": nir.Linear(weight=dyadic(rng, (8, 8), -1, 1, zero_fraction=0.25)),
        "lif": lif_node((8,), TAU_HALF, threshold=0.5),
        "fc_out": nir.Linear(weight=dyadic(rng, (4, 8), -1, 1, zero_fraction=0.25)),
        "if_out": if_node((4,), threshold=0.5),
        "output": nir.Output(output_type=np.array([4])),
    }
    # The depth-first walk from `input` enters the cycle at `mix`, so lif -> mix is the back
    # edge: mix sums the analog input (MACs) and lif's spikes of the previous step (synops).
    edges = [("input", "mix"), ("mix", "lif"), ("lif", "mix"), ("lif", "fc_out"),
             ("fc_out", "if_out"), ("if_out", "output")]
    return {"graph": nir.NIRGraph(nodes=nodes, edges=edges),
            "images": dyadic(rng, (n, 8), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 4),
            "options": options(), "exact": True,
            "about": "a spiking back edge lif -> mix: spikes of step t arrive (and cost synops) at t+1; "
                     "mix mixes analog input and spikes"}


def case_delay_lines():
    rng = np.random.default_rng(212)
    n = 12
    nodes = {
        "input": nir.Input(input_type=np.array([8])),
        "fc1": nir.Affine(weight=dyadic(rng, (10, 8), -1, 1, zero_fraction=0.25), bias=dyadic(rng, 10, -0.25, 0.25)),
        "if1": if_node((10,), threshold=0.75),
        # Spikes delayed by 0 to 3 steps per element (whole steps of DT).
        "spike_delay": nir.Delay(delay=(np.arange(10) % 4 * DT).astype(F64)),
        "fc2": nir.Linear(weight=dyadic(rng, (6, 10), -1, 1, zero_fraction=0.25)),
        # An analog value delayed by 2 steps, summed with the spiking path's drive.
        "value_delay": nir.Delay(delay=np.full(6, 2 * DT, dtype=F64)),
        "if2": if_node((6,), threshold=0.5),
        "output": nir.Output(output_type=np.array([6])),
    }
    edges = [("input", "fc1"), ("fc1", "if1"), ("if1", "spike_delay"), ("spike_delay", "fc2"), ("fc2", "if2"),
             ("fc2", "value_delay"), ("value_delay", "if2"), ("if2", "output")]
    return {"graph": nir.NIRGraph(nodes=nodes, edges=edges),
            "images": dyadic(rng, (n, 8), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 6),
            "options": options(), "exact": True,
            "about": "Delay: spikes delayed 0-3 steps per element (synops where they land, after the delay) and an "
                     "analog value delayed 2 steps"}


def case_conv1d_direct():
    rng = np.random.default_rng(217)
    n = 8
    nodes = {
        "input": nir.Input(input_type=np.array([2, 16])),
        "conv1": nir.Conv1d(input_shape=16, weight=dyadic(rng, (8, 2, 3), -1, 1.5, zero_fraction=0.1),
                            stride=1, padding=1, dilation=1, groups=1, bias=dyadic(rng, 8, -0.25, 0.25)),  # -> [8,16]
        "if1": if_node((8, 16), threshold=1.0),
        "conv2": nir.Conv1d(input_shape=16, weight=dyadic(rng, (8, 8, 3), -1.5, 2, zero_fraction=0.85),
                            stride=1, padding=2, dilation=2, groups=1, bias=np.zeros(8, dtype=F32)),   # -> [8,16]
        "if2": if_node((8, 16), threshold=1.5),
        "conv3": nir.Conv1d(input_shape=None, weight=dyadic(rng, (6, 4, 5), -1, 1.5, zero_fraction=0.3),
                            stride=3, padding=0, dilation=1, groups=2, bias=np.zeros(6, dtype=F32)),   # -> [6,4]
        "if3": if_node((6, 4), threshold=2.0),
        "flatten": flatten_node((6, 4)),
        "fc": nir.Affine(weight=dyadic(rng, (5, 24), -1, 1, zero_fraction=0.5), bias=np.zeros(5, dtype=F32)),
        "output": nir.Output(output_type=np.array([5])),
    }
    return {"graph": nir.NIRGraph(nodes=nodes, edges=chain(list(nodes))),
            "images": dyadic(rng, (n, 2, 16), 0, 1, step=1 / 4), "labels": labels_for(rng, n, 5),
            "options": options(), "exact": True,
            "about": "Conv1d: dense stride 1 with bias, sparse (85%) with dilation 2 and padding 2, grouped stride 3 "
                     "with a 5-tap kernel; activations (C, L)"}


CASES = {
    "mlp_dense_direct": case_mlp_dense_direct,
    "mlp_sparse90_direct": case_mlp_sparse90_direct,
    "cnn_pools_direct": case_cnn_pools_direct,
    "cnn_overlap_pool": case_cnn_overlap_pool,
    "cnn_sparse_direct": case_cnn_sparse_direct,
    "cnn_dense_spikes_direct": case_cnn_dense_spikes_direct,
    "residual_direct": case_residual_direct,
    "lif_value_reset_ge": case_lif_value_reset_ge,
    "cubalif_direct": case_cubalif_direct,
    "poisson_mlp": case_poisson_mlp,
    "spikes_encoding_cnn": case_spikes_encoding_cnn,
    "recurrent_lif": case_recurrent_lif,
    "mlp_float_direct": case_mlp_float_direct,
    "affine_readout_mlp": case_affine_readout_mlp,
    "recurrent_mixed_input": case_recurrent_mixed_input,
    "delay_lines": case_delay_lines,
    "conv1d_direct": case_conv1d_direct,
}


# --------------------------------------------------------------------------------------
# Writing and checking
# --------------------------------------------------------------------------------------

def write_case(name, case, out_dir):
    nir_path = os.path.join(out_dir, name + ".nir")
    data_path = os.path.join(out_dir, name + ".data.h5")
    nir.write(nir_path, case["graph"])
    with h5py.File(data_path, "w") as f:
        f.create_dataset("images", data=case["images"].astype(F32))
        f.create_dataset("labels", data=case["labels"].astype(np.int64))
    return nir_path, data_path


def run_case(nir_path, data_path, opts, dtype=F32, trace=True):
    return ref.simulate(nir_path, data_path, dtype=dtype, trace=trace, **opts)


def assert_exact(name, result32, nir_path, data_path, opts):
    """Rerun in float64 (same float32-rounded coefficients): if float32 rounded anywhere,
    some output, state or accumulation would differ."""
    result64 = run_case(nir_path, data_path, opts, dtype=F64)
    for kind in ("out", "v", "i", "accumulated"):
        for node, values in result32["traces"][kind].items():
            other = result64["traces"][kind][node]
            if not np.array_equal(values.astype(F64), other):
                bad = np.argwhere(values.astype(F64) != other)[0]
                raise AssertionError(f"{name}: float32 rounded in {kind} of {node} at {tuple(bad)}: "
                                     f"{values[tuple(bad)]!r} vs {other[tuple(bad)]!r}")
    assert np.array_equal(result32["predictions"], result64["predictions"]), f"{name}: predictions"
    for layer, counts in result32["counts"].items():
        for key, values in counts.items():
            assert np.array_equal(values, result64["counts"][layer][key]), f"{name}: {layer}.{key}"


def activity(result):
    """Per spiking layer: mean fraction of neurons spiking per step, and exact ties v == theta."""
    net, report = result["network"], {}
    for layer in result["layers"]:
        if net.type_of(layer) in ref.SPIKING_POPULATIONS | {"Threshold"}:
            size = math.prod(net.shape(layer))
            spikes = result["counts"][layer]["spikes"]
            report[layer] = (float(spikes.mean() / size), int(result["traces"]["ties"][layer].sum()))
    return report


def sim_json(name, case, result):
    return {
        "case": name,
        "about": case["about"],
        "options": case["options"],
        "exact": case["exact"],
        "layers": result["layers"],
        "labels": result["labels"].tolist(),
        "predictions": result["predictions"].tolist(),
        "counts": {layer: {key: values.tolist() for key, values in counts.items()}
                   for layer, counts in result["counts"].items()},
        "conventions": {layer: {key: values.tolist() for key, values in conventions.items()}
                        for layer, conventions in result["conventions"].items()},
    }


def generate(out_dir, names, verbose=True):
    os.makedirs(out_dir, exist_ok=True)
    results = {}
    for name in names:
        t0 = time.perf_counter()
        case = CASES[name]()
        nir_path, data_path = write_case(name, case, out_dir)
        result = run_case(nir_path, data_path, case["options"])
        if case["exact"]:
            assert_exact(name, result, nir_path, data_path, case["options"])
        with open(os.path.join(out_dir, name + ".sim.json"), "w") as f:
            json.dump(sim_json(name, case, result), f)
            f.write("\n")
        results[name] = (case, result, nir_path, data_path)
        if verbose:
            totals = {key: sum(int(c[key].sum()) for c in result["counts"].values())
                      for key in ("spikes", "synops", "macs")}
            rates = ", ".join(f"{layer} {rate:.2f}/{ties}t" for layer, (rate, ties) in activity(result).items())
            print(f"{name}: spikes {totals['spikes']}, synops {totals['synops']}, macs {totals['macs']}; "
                  f"rates {rates}; {time.perf_counter() - t0:.2f} s")
    return results


# --------------------------------------------------------------------------------------
# Self-test: brute force over individual spikes, elements and weights
# --------------------------------------------------------------------------------------

class BruteForce:
    """Per-element routing and per-weight tap counting with plain python loops."""

    def __init__(self, net, dt):
        self.net, self.dt = net, dt
        self.route_memo, self.tap_memo = {}, {}

    def pooled_positions(self, name, element):
        """Every pooled position whose window holds input element `element` (c, h, w)."""
        geo = self.net.geometry(name)
        c, h, w = element
        found = []
        for oh in range(geo["out"][0]):
            for ow in range(geo["out"][1]):
                inside = any(oh * geo["stride"][0] - geo["pad_before"][0] + kh == h and
                             ow * geo["stride"][1] - geo["pad_before"][1] + kw == w
                             for kh in range(geo["kernel"][0]) for kw in range(geo["kernel"][1]))
                if inside:
                    found.append((c, oh, ow))
        return found

    def routes(self, name, flat):
        """Where output element `flat` of `name` ends up: [(node, input flat index, value
        factor, delay)], following every edge and passing Flatten and pools."""
        key = (name, flat)
        if key in self.route_memo:
            return self.route_memo[key]
        found = []
        for dst, recurrent in self.net.succs[name]:
            delay = 1 if recurrent else 0
            dst_type = self.net.type_of(dst)
            if dst_type == "Flatten":
                found += [(d, j, f, delay + dl) for d, j, f, dl in self.routes(dst, flat)]
            elif dst_type == "Delay":
                seconds = np.broadcast_to(np.asarray(self.net.params(dst)["delay"], dtype=F64), self.net.shape(dst))
                steps = int(round(float(seconds.reshape(-1)[flat]) / self.dt))
                found += [(d, j, f, delay + steps + dl) for d, j, f, dl in self.routes(dst, flat)]
            elif dst_type in ref.POOL_TYPES:
                in_shape = self.net.input_shape(dst)
                element = np.unravel_index(flat, in_shape)
                factor = 1.0 / math.prod(self.net.geometry(dst)["kernel"]) if dst_type == "AvgPool2d" else 1.0
                for position in self.pooled_positions(dst, tuple(int(e) for e in element)):
                    pooled = int(np.ravel_multi_index(position, self.net.shape(dst)))
                    found += [(d, j, f * factor, delay + dl) for d, j, f, dl in self.routes(dst, pooled)]
            else:
                found.append((dst, flat, 1.0, delay))
        self.route_memo[key] = found
        return found

    def taps(self, name, flat):
        """Non-zero weights input element `flat` of `name` meets whose output position exists."""
        key = (name, flat)
        if key in self.tap_memo:
            return self.tap_memo[key]
        node_type, params = self.net.type_of(name), self.net.params(name)
        in_shape = self.net.input_shape(name)
        if node_type in ref.DENSE_TYPES:
            weight = params["weight"]
            count = sum(1 for i in range(weight.shape[0]) if weight[i, flat] != 0)
        elif node_type == "Scale":
            count = int(np.broadcast_to(params["scale"], in_shape).reshape(-1)[flat] != 0)
        elif node_type in ref.CONV_TYPES:
            weight = params["weight"]
            groups = int(np.asarray(params["groups"]).reshape(-1)[0])
            geo = self.net.geometry(name)
            c_in_group, c_out_group = weight.shape[1], weight.shape[0] // groups
            element = [int(e) for e in np.unravel_index(flat, in_shape)]
            channel, position = element[0], element[1:]
            group, ci = divmod(channel, c_in_group)
            count = 0
            for co in range(group * c_out_group, (group + 1) * c_out_group):
                for out_pos in itertools.product(*(range(o) for o in geo["out"])):
                    for tap in itertools.product(*(range(k) for k in geo["kernel"])):
                        reads = [o * s - p + t * d for o, s, p, t, d in
                                 zip(out_pos, geo["stride"], geo["pad_before"], tap, geo["dilation"])]
                        if reads == position and weight[(co, ci) + tap] != 0:
                            count += 1
        elif node_type in ref.POPULATION_TYPES or node_type == "Threshold":
            count = 1
        elif node_type == "Output":
            count = 0
        else:
            raise ValueError(f"{name}: no tap rule for {node_type}")
        self.tap_memo[key] = count
        return count


def brute_force_counts(result, encoding, dt):
    net, traces = result["network"], result["traces"]
    n_samples, steps = result["predictions"].shape
    brute = BruteForce(net, dt)
    synops = {layer: np.zeros((n_samples, steps), dtype=np.int64) for layer in net.layers}
    macs = {layer: np.zeros((n_samples, steps), dtype=np.int64) for layer in net.layers}
    analog_in = {layer: np.zeros((n_samples, steps, math.prod(net.input_shape(layer))))
                 for layer in net.layers if net.type_of(layer) in ref.WEIGHTED_TYPES}
    for source in net.order:
        source_type = net.type_of(source)
        if source_type in ref.ROUTING_TYPES or source_type in ("Output", "Delay"):
            continue
        spiking = source_type in ref.SPIKING_POPULATIONS | {"Threshold"} or \
            (source_type == "Input" and encoding != "direct")
        values = traces["out"][source].reshape(n_samples, steps, -1)
        for s, t, e in zip(*np.nonzero(values)):
            for dst, j, factor, delay in brute.routes(source, int(e)):
                if t + delay >= steps:
                    continue  # delivered after the last step
                if spiking:
                    assert values[s, t, e] == 1
                    if dst in synops:
                        synops[dst][s, t + delay] += brute.taps(dst, j)
                elif dst in analog_in:
                    analog_in[dst][s, t + delay, j] += float(values[s, t, e]) * factor
    for layer, values in analog_in.items():
        for s, t, j in zip(*np.nonzero(values)):
            macs[layer][s, t] += brute.taps(layer, int(j))
    return synops, macs


def brute_force_bias_adds(net, layer):
    node_type, params = net.type_of(layer), net.params(layer)
    if node_type not in ("Affine",) + tuple(ref.CONV_TYPES) or "bias" not in params:
        return 0
    total = 0
    positions = math.prod(net.shape(layer)[1:]) if node_type in ref.CONV_TYPES else 1
    for b in np.asarray(params["bias"]).reshape(-1):
        if b != 0:
            total += positions
    return total


def static_synops(result, encoding):
    """Sum over spiking sources of spikes x static out-degree (make_fixtures.FanOut)."""
    net = result["network"]
    nodes, edges = net.nodes, net.edges
    in_shapes, out_shapes = infer_shapes(nodes, edges)
    fan_out = FanOut(nodes, edges, in_shapes, out_shapes)
    total = 0
    for source in net.order:
        source_type = net.type_of(source)
        if source_type in ref.SPIKING_POPULATIONS | {"Threshold"} or \
                (source_type == "Input" and encoding != "direct"):
            degree = fan_out.out_degree(source).reshape(-1)
            spikes = result["traces"]["out"][source].reshape(*result["predictions"].shape, -1)
            total += int((spikes.sum(axis=(0, 1)) * degree).sum())
    return total


def scalar_simulation(net, images, opts, sample):
    """One sample, element by element with numpy float32 scalars and python loops (no array
    arithmetic): outputs per node and step, spikes and active neuron updates per layer."""
    f = F32
    steps, encoding = opts["timesteps"], opts["encoding"]
    ge = opts["threshold_compare"] == "ge"
    outs = {}  # (t, node) -> list of float32 scalars (row-major)
    spikes = {layer: [0] * steps for layer in net.layers}
    active = {layer: [0] * steps for layer in net.layers}
    state, accumulated, delayed_inputs = {}, {}, {}

    def flat_param(name, key, shape, default=None):
        params = net.params(name)
        if key not in params:
            return [f(default)] * math.prod(shape)
        return [f(v) for v in np.broadcast_to(np.asarray(params[key]).astype(F32), shape).reshape(-1)]

    def alpha(name, key, shape):
        return [f(F64(opts["dt"]) / F64(tau)) for tau in
                np.broadcast_to(np.asarray(net.params(name)[key]), shape).reshape(-1)]

    def fires(value, threshold):
        return value >= threshold if ge else value > threshold

    for t in range(steps):
        for name in net.order:
            node_type, params = net.type_of(name), net.params(name)
            in_shape, shape = net.input_shape(name), net.shape(name)
            total = [f(0)] * math.prod(in_shape)
            for source, recurrent in net.preds[name]:
                if recurrent and t == 0:
                    continue
                values = outs[(t - 1 if recurrent else t, source)]
                total = [f(a + b) for a, b in zip(total, values)]
            if node_type == "Input":
                x = images[sample].reshape(steps, -1)[t] if encoding == "spikes" else images[sample].reshape(-1)
                if encoding == "poisson":
                    result = []
                    for k, value in enumerate(x):
                        h = ref.mix64_int(ref.mix64_int(ref.mix64_int(ref.mix64_int(opts["seed"]) ^ sample) ^ t) ^ k)
                        u = f((h >> 40) * 2.0 ** -24)
                        result.append(f(1) if u < min(max(f(value), f(0)), f(1)) else f(0))
                else:
                    result = [f(v) for v in x]
            elif node_type in ref.DENSE_TYPES:
                weight = np.asarray(params["weight"]).astype(F32)
                bias = np.asarray(params["bias"]).astype(F32) if node_type == "Affine" else None
                result = []
                for i in range(weight.shape[0]):
                    acc = f(0)
                    for j in range(weight.shape[1]):
                        acc = f(acc + f(weight[i, j] * total[j]))
                    result.append(f(acc + bias[i]) if bias is not None else acc)
            elif node_type in ref.CONV_TYPES:
                weight = np.asarray(params["weight"]).astype(F32)
                bias = np.asarray(params["bias"]).astype(F32) if "bias" in params else None
                groups = int(np.asarray(params["groups"]).reshape(-1)[0])
                geo = net.geometry(name)
                c_in_group, c_out_group = weight.shape[1], weight.shape[0] // groups
                x = np.array(total, dtype=F32).reshape(in_shape)
                result = []
                for co in range(weight.shape[0]):
                    for out_pos in itertools.product(*(range(o) for o in geo["out"])):
                        acc = f(0)
                        for ci in range(c_in_group):
                            channel = (co // c_out_group) * c_in_group + ci
                            for tap in itertools.product(*(range(k) for k in geo["kernel"])):
                                pos = tuple(o * s - p + k * d for o, s, p, k, d in
                                            zip(out_pos, geo["stride"], geo["pad_before"], tap, geo["dilation"]))
                                if all(0 <= q < n for q, n in zip(pos, in_shape[1:])):
                                    acc = f(acc + f(weight[(co, ci) + tap] * x[(channel,) + pos]))
                        result.append(f(acc + bias[co]) if bias is not None else acc)
            elif node_type == "Scale":
                result = [f(s * v) for s, v in zip(flat_param(name, "scale", in_shape), total)]
            elif node_type == "Flatten":
                result = total
            elif node_type in ref.POOL_TYPES:
                geo = net.geometry(name)
                x = np.array(total, dtype=F32).reshape(in_shape)
                result = []
                for c in range(in_shape[0]):
                    for oh, ow in itertools.product(range(geo["out"][0]), range(geo["out"][1])):
                        acc = f(0)
                        for kh, kw in itertools.product(range(geo["kernel"][0]), range(geo["kernel"][1])):
                            h = oh * geo["stride"][0] - geo["pad_before"][0] + kh
                            w = ow * geo["stride"][1] - geo["pad_before"][1] + kw
                            if 0 <= h < in_shape[1] and 0 <= w < in_shape[2]:
                                acc = f(acc + x[c, h, w])
                        if node_type == "AvgPool2d":
                            acc = f(acc / f(geo["kernel"][0] * geo["kernel"][1]))
                        result.append(acc)
            elif node_type == "Threshold":
                theta = flat_param(name, "threshold", shape)
                result = [f(1) if fires(v, th) else f(0) for v, th in zip(total, theta)]
                spikes[name][t] = sum(int(r) for r in result)
            elif node_type in ref.POPULATION_TYPES:
                size = math.prod(shape)
                if name not in state:
                    state[name] = {"v": [f(0)] * size, "i": [f(0)] * size}
                v, i_syn = state[name]["v"], state[name]["i"]
                r = flat_param(name, "r", shape)
                leaky = node_type in ref.LEAKY_TYPES
                cuba = node_type in ref.CUBA_TYPES
                v_leak = flat_param(name, "v_leak", shape) if leaky else None
                if node_type in ("LIF", "LI"):
                    a = alpha(name, "tau", shape)
                if cuba:
                    a_syn, a_mem = alpha(name, "tau_syn", shape), alpha(name, "tau_mem", shape)
                    w_in = flat_param(name, "w_in", shape, default=1.0)
                spiking = node_type in ref.SPIKING_POPULATIONS
                if spiking:
                    theta = flat_param(name, "v_threshold", shape)
                    v_reset = flat_param(name, "v_reset", shape, default=0.0)
                result = []
                for k in range(size):
                    if total[k] != 0 or (leaky and v[k] != v_leak[k]) or (cuba and i_syn[k] != 0):
                        active[name][t] += 1
                    if node_type in ("IF", "I"):
                        v[k] = f(v[k] + f(r[k] * total[k]))
                    elif node_type in ("LIF", "LI"):
                        v[k] = f(v[k] + f(a[k] * f(f(v_leak[k] - v[k]) + f(r[k] * total[k]))))
                    else:
                        i_syn[k] = f(i_syn[k] + f(a_syn[k] * f(f(w_in[k] * total[k]) - i_syn[k])))
                        v[k] = f(v[k] + f(a_mem[k] * f(f(v_leak[k] - v[k]) + f(r[k] * i_syn[k]))))
                    if spiking:
                        z = fires(v[k], theta[k])
                        if z:
                            v[k] = f(v[k] - theta[k]) if opts["reset"] == "subtract" else v_reset[k]
                            spikes[name][t] += 1
                        result.append(f(1) if z else f(0))
                    else:
                        result.append(v[k])
            elif node_type == "Delay":
                delayed_inputs[(t, name)] = list(total)
                seconds = np.broadcast_to(np.asarray(net.params(name)["delay"], dtype=F64), shape).reshape(-1)
                steps = [int(round(d / opts["dt"])) for d in seconds]
                result = [delayed_inputs[(t - d, name)][k] if t >= d else f(0) for k, d in enumerate(steps)]
            elif node_type == "Output":
                previous = accumulated.get(name, [f(0)] * len(total))
                accumulated[name] = [f(a + b) for a, b in zip(previous, total)]
                result = total
            else:
                raise ValueError(node_type)
            outs[(t, name)] = result
    return outs, spikes, active


def check_scalar(name, case, result, images):
    """Compare the dense run with the scalar loops on the first and the last sample."""
    net, traces = result["network"], result["traces"]
    n_samples, steps = result["predictions"].shape
    for sample in sorted({0, n_samples - 1}):
        outs, spikes, active = scalar_simulation(net, images, case["options"], sample)
        for (t, node), values in outs.items():
            dense = traces["out"][node][sample, t].reshape(-1)
            assert np.array_equal(dense, np.array(values, dtype=F32)), \
                f"{name}: sample {sample} step {t} node {node}: dense != scalar"
        for layer in net.layers:
            assert list(result["counts"][layer]["spikes"][sample]) == spikes[layer], f"{name}: {layer} spikes"
            assert list(result["counts"][layer]["active_neuron_updates"][sample]) == active[layer], \
                f"{name}: {layer} active"


def check_poisson_hash():
    for seed, s, t, k in [(0, 0, 0, 0), (7, 3, 5, 11), (2**64 - 1, 1000, 7, 4095), (12345, 2**40, 2, 1)]:
        h = ref.mix64_int(ref.mix64_int(ref.mix64_int(ref.mix64_int(seed) ^ s) ^ t) ^ k)
        expected = F32((h >> 40) * 2.0 ** -24)
        got = ref.poisson_uniforms(seed, np.array([s]), t, k + 1)[0, k]
        assert got == expected, (seed, s, t, k, got, expected)
    # SplitMix64 reference values: state 0 -> first output 0xE220A8397B1DCDAF
    assert ref.mix64_int(0) == 0xE220A8397B1DCDAF, hex(ref.mix64_int(0))


def self_test(names):
    check_poisson_hash()
    print("poisson hash: OK (numpy uint64 == python int SplitMix64, known first output)")
    with tempfile.TemporaryDirectory() as tmp:
        results = generate(tmp, names, verbose=False)
        for name in names:
            t0 = time.perf_counter()
            case, result, _, _ = results[name]
            encoding = case["options"]["encoding"]
            net = result["network"]
            check_scalar(name, case, result, case["images"])
            synops, macs = brute_force_counts(result, encoding, case["options"]["dt"])
            for layer in net.layers:
                counts = result["counts"][layer]
                assert np.array_equal(counts["synops"], synops[layer]), \
                    f"{name}: {layer} synops {counts['synops'].sum()} != brute force {synops[layer].sum()}"
                assert np.array_equal(counts["macs"], macs[layer]), \
                    f"{name}: {layer} macs {counts['macs'].sum()} != brute force {macs[layer].sum()}"
                assert (counts["bias_adds"] == brute_force_bias_adds(net, layer)).all(), f"{name}: {layer} bias"
                size = math.prod(net.shape(layer)) if net.type_of(layer) in ref.POPULATION_TYPES else 0
                assert (counts["neuron_updates"] == size).all(), f"{name}: {layer} neuron_updates"
            total_synops = sum(int(c["synops"].sum()) for c in result["counts"].values())
            has_delay = any(net.type_of(n) == "Delay" for n in net.order)
            if has_delay:
                static_note = "(Delay: spikes delayed past the last step are never delivered; static check skipped)"
            elif not net.recurrent:
                expected = static_synops(result, encoding)
                assert total_synops == expected, f"{name}: synops {total_synops} != static {expected}"
                static_note = "= spikes x static out-degree"
            else:
                static_note = "(recurrent: static check skipped)"
            total_macs = sum(int(c["macs"].sum()) for c in result["counts"].values())
            print(f"{name}: outputs, spikes, active updates = scalar loops; synops {total_synops} "
                  f"{static_note}, macs {total_macs}: brute force OK "
                  f"({time.perf_counter() - t0:.2f} s)")
    print("self-test OK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", nargs="?", help="directory for CASE.nir, CASE.data.h5, CASE.sim.json")
    parser.add_argument("--only", nargs="+", metavar="CASE", help="only these cases")
    parser.add_argument("--self-test", action="store_true", help="brute-force checks of the counts")
    parser.add_argument("--list", action="store_true", help="list the cases")
    args = parser.parse_args()
    if args.list:
        print("\n".join(CASES))
        return
    names = args.only or list(CASES)
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}")
    if args.self_test:
        self_test(names)
        return
    if not args.out_dir:
        parser.error("OUT_DIR is required")
    start = time.perf_counter()
    generate(args.out_dir, names)
    print(f"total {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
