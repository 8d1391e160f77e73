#!/usr/bin/env python3
"""Clock-driven numpy reference simulator for NeuroCost's `run` (docs/execution-model.md).

Independent of the Swift engine: every node is evaluated at every step, in a topological
order of the forward edges, on dense float32 tensors holding all samples at once; recurrent
edges carry the previous step's value. Counts are derived by dense reasoning:

* each node's summed input is split into the spike arrivals `A` (an integer count per input
  element, produced by IF/LIF/CubaLIF/Threshold and by the Input under poisson/spikes
  encoding, routed through Flatten and through pools as window *sums* of arrivals, i.e. one
  arrival per pooled position whose window holds the spike) and the analog part `V`
  (everything else, routed through pools with the pool's own sum or average);
* synops at a weighted node = the sum over all outputs of the node's operation applied to
  `A` with the weights replaced by `weight != 0` (every non-zero product of a spike and a
  weight whose output position exists); at a population or Threshold = sum of `A`;
* macs at a weighted node = the same with `A` replaced by `V != 0`.

Usage as a module:
    from reference_simulator import simulate
    result = simulate("net.nir", "data.h5", timesteps=8, encoding="direct", reset="subtract",
                      threshold_compare="gt", dt=1e-3, seed=0)

CLI:
    reference_simulator.py NET.nir DATA.h5 [--timesteps 8] [--encoding direct|poisson|spikes]
        [--reset subtract|value] [--threshold-compare gt|ge] [--dt 1e-3] [--seed 0]
        [--readout NAME] [--limit N] [--full]

Only needs numpy and h5py; the NIR file is read with plain h5py through make_fixtures.py.
"""
import argparse
import itertools
import json
import math
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import (  # noqa: E402  (plain-h5py reader and shape rules)
    conv_geometry, flatten_graph, forward_edges, infer_shapes, pool_geometry,
    read_plain_graph, topological_order,
)

F32, F64 = np.float32, np.float64

POPULATION_TYPES = {"IF", "LIF", "CubaLIF", "I", "LI", "CubaLI"}
SPIKING_POPULATIONS = {"IF", "LIF", "CubaLIF"}
LEAKY_TYPES = {"LIF", "LI", "CubaLIF", "CubaLI"}
CUBA_TYPES = {"CubaLIF", "CubaLI"}
DENSE_TYPES = {"Affine", "Linear"}
CONV_TYPES = {"Conv1d", "Conv2d"}
WEIGHTED_TYPES = DENSE_TYPES | CONV_TYPES | {"Scale"}
POOL_TYPES = {"SumPool2d", "AvgPool2d"}
ROUTING_TYPES = POOL_TYPES | {"Flatten"}
LAYER_TYPES = WEIGHTED_TYPES | POPULATION_TYPES | {"Threshold"}
SUPPORTED_TYPES = LAYER_TYPES | ROUTING_TYPES | {"Input", "Output", "Delay"}

COUNT_KEYS = ("spikes", "synops", "macs", "neuron_updates", "active_neuron_updates", "bias_adds",
              "neurobench_acs", "neurobench_macs")

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


# --------------------------------------------------------------------------------------
# Poisson encoding: SplitMix64 finaliser hash (numpy uint64, wrapping arithmetic)
# --------------------------------------------------------------------------------------

def mix64(z):
    """SplitMix64 step on uint64 arrays: add the golden gamma, then the finaliser."""
    z = np.asarray(z, dtype=np.uint64)
    z = z + np.uint64(GOLDEN_GAMMA)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def mix64_int(z):
    """The same on one python int (used to cross-check mix64)."""
    z = (z + GOLDEN_GAMMA) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def poisson_uniforms(seed, sample_indices, step, size):
    """u[s, k] = (h >> 40) * 2^-24 with h = mix(mix(mix(mix(seed) ^ s) ^ t) ^ k), float32."""
    with np.errstate(over="ignore"):
        h = mix64(np.uint64(seed & MASK64))
        h = mix64(h ^ np.asarray(sample_indices, dtype=np.uint64)[:, None])
        h = mix64(h ^ np.uint64(step))
        h = mix64(h ^ np.arange(size, dtype=np.uint64)[None, :])
    return (h >> np.uint64(40)).astype(F32) * F32(2.0 ** -24)


def poisson_spikes(x, seed, sample_indices, step):
    """x: (N, *shape) float32 analog sample -> (N, *shape) bool spikes at `step`."""
    flat = x.reshape(len(x), -1).astype(F32)
    u = poisson_uniforms(seed, sample_indices, step, flat.shape[1])
    return (u < np.clip(flat, F32(0), F32(1))).reshape(x.shape)


# --------------------------------------------------------------------------------------
# Dense operators (batched over samples: arrays are (N, *shape)); work for float and int
# --------------------------------------------------------------------------------------

def dense_apply(x, weight, dtype):
    """y[n, i] = sum_j weight[i, j] * x[n, j], accumulated in `dtype` one input element at a
    time in row-major order (float: each product rounded, then added)."""
    x = x.reshape(len(x), -1)
    acc = np.zeros((len(x), weight.shape[0]), dtype=dtype)
    for j in range(weight.shape[1]):
        acc += x[:, j:j + 1] * weight[None, :, j]
    return acc


def padded(x, pad_before, needed):
    """Zero-pad the trailing spatial dims: pad_before in front, and at the end as much as
    the windows read (PyTorch floor semantics may leave trailing input unread)."""
    spatial = x.shape[2:]
    after = [max(0, need - n - p) for need, n, p in zip(needed, spatial, pad_before)]
    widths = [(0, 0), (0, 0)] + [(p, a) for p, a in zip(pad_before, after)]
    return np.pad(x, widths)


def window_slices(tap, geometry):
    """Slices of the padded input read by kernel tap `tap` at every output position."""
    return tuple(slice(t * d, t * d + s * (o - 1) + 1, s) for t, d, s, o in
                 zip(tap, geometry["dilation"], geometry["stride"], geometry["out"]))


def needed_extent(geometry):
    return [s * (o - 1) + d * (k - 1) + 1 for s, o, d, k in
            zip(geometry["stride"], geometry["out"], geometry["dilation"], geometry["kernel"])]


def conv_apply(x, weight, groups, geometry, dtype):
    """PyTorch cross-correlation (no bias): x (N, C_in, *spatial) -> (N, C_out, *out).
    Accumulates per output in the order (input channel, kernel taps row-major), which is the
    row-major order of the input elements each output reads."""
    n = len(x)
    c_out, c_in_group = weight.shape[:2]
    c_out_group = c_out // groups
    xp = padded(x, geometry["pad_before"], needed_extent(geometry))
    acc = np.zeros((n, c_out) + tuple(geometry["out"]), dtype=dtype)
    extra = (None,) * len(geometry["out"])
    for g in range(groups):
        outs = slice(g * c_out_group, (g + 1) * c_out_group)
        for ci in range(c_in_group):
            channel = xp[:, g * c_in_group + ci]
            for tap in itertools.product(*(range(k) for k in geometry["kernel"])):
                w = weight[(outs, ci) + tap]
                acc[:, outs] += channel[(slice(None),) + window_slices(tap, geometry)][:, None] \
                    * w[(None, slice(None)) + extra]
    return acc


def pool_apply(x, geometry, divisor, dtype):
    """Window sums over (N, C, H, W) with zero padding, divided by `divisor` (None: sum)."""
    xp = padded(x, geometry["pad_before"], needed_extent(geometry))
    acc = np.zeros(x.shape[:2] + tuple(geometry["out"]), dtype=dtype)
    for tap in itertools.product(*(range(k) for k in geometry["kernel"])):
        acc += xp[(slice(None), slice(None)) + window_slices(tap, geometry)]
    if divisor is not None:
        acc = acc / dtype(divisor)
    return acc.astype(dtype)


# --------------------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------------------

class Network:
    """The flattened graph read with plain h5py: nodes, forward/recurrent predecessors,
    shapes and a topological order of the forward edges."""

    def __init__(self, nir_path):
        nodes, edges = flatten_graph(read_plain_graph(nir_path))
        for name in sorted(nodes):
            node_type = nodes[name]["type"]
            if node_type not in SUPPORTED_TYPES:
                raise ValueError(f"{name}: unsupported node type {node_type!r}")
        self.nodes, self.edges = nodes, edges
        forward = [tuple(e) for e in forward_edges(nodes, edges)]
        self.recurrent = [tuple(e) for e in edges if tuple(e) not in forward]
        self.in_shapes, self.out_shapes = infer_shapes(nodes, edges)
        self.order = topological_order(nodes, forward)
        self.preds = {n: [] for n in nodes}  # (source, is_recurrent), in edge-list order
        self.succs = {n: [] for n in nodes}
        for src, dst in edges:
            self.preds[dst].append((src, (src, dst) in self.recurrent))
            self.succs[src].append((dst, (src, dst) in self.recurrent))
        for name, node in nodes.items():
            if node["type"] == "Output" and self.succs[name]:
                raise NotImplementedError(f"{name}: an Output node with successors")
        self.inputs = [n for n in self.order if nodes[n]["type"] == "Input"]
        self.layers = [n for n in self.order if nodes[n]["type"] in LAYER_TYPES]
        self.outputs = [n for n in self.order if nodes[n]["type"] == "Output"]

    def type_of(self, name):
        return self.nodes[name]["type"]

    def params(self, name):
        return self.nodes[name]["params"]

    def shape(self, name):
        return tuple(self.out_shapes[name])

    def input_shape(self, name):
        shape = self.in_shapes[name]
        return tuple(shape) if shape is not None else self.shape(name)

    def geometry(self, name):
        params, in_shape = self.params(name), self.input_shape(name)
        if self.type_of(name) in CONV_TYPES:
            return conv_geometry(params, in_shape[1:])
        return pool_geometry(params, in_shape[1:])


def param_f32(params, key, shape, default=None):
    """A file parameter as float32 broadcast to `shape` (absent: `default`)."""
    if key not in params:
        if default is None:
            raise KeyError(key)
        return np.full(shape, default, dtype=F32)
    return np.broadcast_to(np.asarray(params[key]).astype(F32), shape).copy()


def rate_coefficient(dt, tau, shape):
    """alpha = dt / tau computed in float64 from the file's values, rounded once to float32."""
    tau64 = np.asarray(tau).astype(F64)
    return np.broadcast_to((F64(dt) / tau64).astype(F32), shape).copy()


class Population:
    """Parameters (float32, broadcast) and state of one neuron population."""

    def __init__(self, node_type, params, shape, dt, dtype):
        self.type = node_type
        self.r = param_f32(params, "r", shape).astype(dtype)
        if node_type in SPIKING_POPULATIONS:
            self.threshold = param_f32(params, "v_threshold", shape).astype(dtype)
            self.v_reset = param_f32(params, "v_reset", shape, default=0.0).astype(dtype)
        if node_type in LEAKY_TYPES:
            self.v_leak = param_f32(params, "v_leak", shape).astype(dtype)
        if node_type in ("LIF", "LI"):
            self.alpha = rate_coefficient(dt, params["tau"], shape).astype(dtype)
        if node_type in CUBA_TYPES:
            self.alpha_syn = rate_coefficient(dt, params["tau_syn"], shape).astype(dtype)
            self.alpha_mem = rate_coefficient(dt, params["tau_mem"], shape).astype(dtype)
            self.w_in = param_f32(params, "w_in", shape, default=1.0).astype(dtype)


def compare(values, threshold, mode):
    return values >= threshold if mode == "ge" else values > threshold


# --------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------

def load_data(data_path, encoding, timesteps, input_shape, limit):
    with h5py.File(data_path, "r") as f:
        images = np.asarray(f["images"][()])
        labels = np.asarray(f["labels"][()]).astype(np.int64)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    n = len(images)
    if encoding == "spikes":
        if images.ndim < 2 or images.shape[1] < timesteps:
            raise ValueError(f"spike data {images.shape} holds fewer than {timesteps} steps")
        images = images[:, :timesteps].reshape((n, timesteps) + input_shape).astype(F32)
        if not np.isin(images, (0, 1)).all():
            raise ValueError("spike data must be binary")
    else:
        if math.prod(images.shape[1:]) != math.prod(input_shape):
            raise ValueError(f"data elements {images.shape[1:]} != input shape {input_shape}")
        images = images.reshape((n,) + input_shape).astype(F32)
    return images, labels


def simulate(nir_path, data_path, *, timesteps, encoding, reset, threshold_compare, dt, seed,
             readout=None, limit=None, dtype=F32, trace=False):
    """Run every sample for `timesteps` steps. Returns layers (topological order),
    predictions (N, T), labels (N,) and counts[layer][key] (N, T) int64.

    `dtype=np.float64` runs the same model in float64 (coefficients still rounded to
    float32 first): used to prove that the float32 run rounded nowhere. `trace=True` adds
    `traces`: per node the output (N, T, *shape), per population `v` (and `i`) after each
    step, per Output `accumulated`, and per spiking node `ties` (N, T): neurons whose
    compared value equalled the threshold exactly."""
    if encoding not in ("direct", "poisson", "spikes"):
        raise ValueError(f"unknown encoding {encoding!r}")
    if reset not in ("subtract", "value"):
        raise ValueError(f"unknown reset {reset!r}")
    if threshold_compare not in ("gt", "ge"):
        raise ValueError(f"unknown threshold compare {threshold_compare!r}")
    net = Network(nir_path)
    if len(net.inputs) != 1:
        raise NotImplementedError(f"{len(net.inputs)} Input nodes; the data file feeds one")
    input_name = net.inputs[0]
    images, labels = load_data(data_path, encoding, timesteps, net.shape(input_name), limit)
    n_samples = len(labels)
    sample_indices = np.arange(n_samples)
    if readout is None:
        if not net.outputs:
            raise ValueError("the network has no Output node")
        readout = net.outputs[0]
    if readout not in net.nodes:
        raise ValueError(f"no node named {readout!r}")
    if net.type_of(readout) != "Output":
        raise ValueError(f"readout {readout!r} is a {net.type_of(readout)}, not an Output")

    # Per-node constants
    populations, weights, binary, biases, geometries = {}, {}, {}, {}, {}
    for name in net.order:
        node_type, params = net.type_of(name), net.params(name)
        if node_type in POPULATION_TYPES:
            populations[name] = Population(node_type, params, net.shape(name), dt, dtype)
        elif node_type in DENSE_TYPES | CONV_TYPES:
            weights[name] = np.asarray(params["weight"]).astype(F32).astype(dtype)
            binary[name] = (weights[name] != 0).astype(np.int64)
            if node_type != "Linear" and "bias" in params:
                biases[name] = np.asarray(params["bias"]).astype(F32).astype(dtype)
        elif node_type == "Scale":
            weights[name] = param_f32(params, "scale", net.input_shape(name)).astype(dtype)
            binary[name] = (weights[name] != 0).astype(np.int64)
        elif node_type == "Threshold":
            weights[name] = param_f32(params, "threshold", net.shape(name)).astype(dtype)
        if node_type in CONV_TYPES | POOL_TYPES:
            geometries[name] = net.geometry(name)

    counts = {layer: {key: np.zeros((n_samples, timesteps), dtype=np.int64) for key in COUNT_KEYS}
              for layer in net.layers}
    # Delay: y_t = x_{t - d} per element, d = delay / dt whole steps (zero before). It passes spikes on as spikes
    # when every predecessor (through Flatten) emits spikes, else values.
    delays, delay_history = {}, {}
    for name in net.order:
        if net.type_of(name) != "Delay":
            continue
        seconds = np.broadcast_to(np.asarray(net.params(name)["delay"], dtype=F64), net.shape(name))
        steps = np.rint(seconds / dt).astype(np.int64)
        if np.any(np.abs(seconds / dt - steps) > 1e-6 * np.maximum(1, steps)) or np.any(steps < 0):
            raise ValueError(f"{name}: delays must be whole, non-negative numbers of steps of dt")

        def spiking_source(node):
            kind = net.type_of(node)
            if kind == "Flatten":
                return all(spiking_source(p) for p, _ in net.preds[node])
            if kind == "Input":
                return encoding in ("poisson", "spikes")
            if kind == "Delay":
                return delays[node][1] if node in delays else False
            return kind in SPIKING_POPULATIONS | {"Threshold"}
        delays[name] = (steps, all(spiking_source(p) for p, _ in net.preds[name]) and bool(net.preds[name]))
        delay_history[name] = []
    # Counting conventions computed independently of the counts above (docs/energy-ledger.md):
    # seed_eq12 carries each spiking layer's spikes as weights that every pool on the way divides by its window
    # (input spikes carry none), accumulated at the node they reach through its non-zero weights;
    # neurobench_dense is the layer run with all-ones weights on an all-ones input.
    conventions = {layer: {"seed_eq12": np.zeros((n_samples, timesteps), dtype=np.float64),
                           "neurobench_dense": np.zeros((n_samples, timesteps), dtype=np.int64)}
                   for layer in net.layers}
    eq12_previous = {name: np.zeros((n_samples,) + net.shape(name), dtype=np.float64) for name in net.order}
    state = {}  # population -> {"v": ..., "i": ...}
    for name, pop in populations.items():
        state[name] = {"v": np.zeros((n_samples,) + net.shape(name), dtype=dtype)}
        if pop.type in CUBA_TYPES:
            state[name]["i"] = np.zeros((n_samples,) + net.shape(name), dtype=dtype)
    accumulated = {name: np.zeros((n_samples,) + net.shape(name), dtype=dtype) for name in net.outputs}
    predictions = np.zeros((n_samples, timesteps), dtype=np.int64)
    traces = None
    if trace:
        traces = {"out": {n: np.zeros((n_samples, timesteps) + net.shape(n), dtype=dtype) for n in net.order},
                  "v": {n: np.zeros((n_samples, timesteps) + net.shape(n), dtype=dtype) for n in populations},
                  "i": {n: np.zeros((n_samples, timesteps) + net.shape(n), dtype=dtype)
                        for n, p in populations.items() if p.type in CUBA_TYPES},
                  "accumulated": {n: np.zeros((n_samples, timesteps) + net.shape(n), dtype=dtype)
                                  for n in net.outputs},
                  "ties": {n: np.zeros((n_samples, timesteps), dtype=np.int64) for n in net.order
                           if net.type_of(n) in SPIKING_POPULATIONS | {"Threshold"}}}

    def zeros_record(name):
        shape = (n_samples,) + net.shape(name)
        return (np.zeros(shape, dtype=dtype), np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=dtype))

    # record[name] = (output value, spike arrivals represented, analog part), all (N, *shape)
    previous = {name: zeros_record(name) for name in net.order}
    input_is_spiking = encoding in ("poisson", "spikes")

    def per_sample(array):
        return array.reshape(n_samples, -1).sum(axis=1)

    for t in range(timesteps):
        current = {}
        eq12_current = {}
        for name in net.order:
            node_type = net.type_of(name)
            in_shape = (n_samples,) + net.input_shape(name)
            total = np.zeros(in_shape, dtype=dtype)
            arrivals = np.zeros(in_shape, dtype=np.int64)
            analog = np.zeros(in_shape, dtype=dtype)
            eq12_in = np.zeros(in_shape, dtype=np.float64)
            for source, is_recurrent in net.preds[name]:
                value, spikes, part = (previous if is_recurrent else current)[source]
                total = total + value.reshape(in_shape)
                arrivals = arrivals + spikes.reshape(in_shape)
                analog = analog + part.reshape(in_shape)
                eq12_in = eq12_in + (eq12_previous if is_recurrent else eq12_current)[source].reshape(in_shape)
            eq12_out = np.zeros((n_samples,) + net.shape(name), dtype=np.float64)
            if name in conventions:
                conv = conventions[name]
                if node_type in DENSE_TYPES:
                    conv["seed_eq12"][:, t] = dense_apply(eq12_in, binary[name].astype(np.float64), np.float64).reshape(n_samples, -1).sum(axis=1)
                    conv["neurobench_dense"][:, t] = binary[name].size
                elif node_type in CONV_TYPES:
                    groups_ = int(np.asarray(net.params(name)["groups"]).reshape(-1)[0])
                    conv["seed_eq12"][:, t] = conv_apply(eq12_in, binary[name].astype(np.float64), groups_,
                                                         geometries[name], np.float64).reshape(n_samples, -1).sum(axis=1)
                    ones = np.ones((1,) + net.input_shape(name), dtype=np.int64)
                    conv["neurobench_dense"][:, t] = int(conv_apply(ones, np.ones_like(binary[name]), groups_,
                                                                    geometries[name], np.int64).sum())
                elif node_type == "Scale":
                    conv["seed_eq12"][:, t] = (binary[name][None] * eq12_in).reshape(n_samples, -1).sum(axis=1)
                else:  # populations and Threshold: an identity synapse per arriving spike
                    conv["seed_eq12"][:, t] = eq12_in.reshape(n_samples, -1).sum(axis=1)
            c = counts.get(name)
            out_shape = (n_samples,) + net.shape(name)

            if node_type == "Input":
                if encoding == "direct":
                    x = images.astype(dtype)
                    record = (x, np.zeros(x.shape, dtype=np.int64), x)
                else:
                    if encoding == "poisson":
                        z = poisson_spikes(images, seed, sample_indices, t)
                    else:
                        z = images[:, t] != 0
                    record = (z.astype(dtype), z.astype(np.int64), np.zeros(z.shape, dtype=dtype))

            elif node_type in WEIGHTED_TYPES:
                if node_type in DENSE_TYPES:
                    w, wb = weights[name], binary[name]
                    out = dense_apply(total, w, dtype)
                    synops = dense_apply(arrivals, wb, np.int64)
                    macs = dense_apply((analog != 0).astype(np.int64), wb, np.int64)
                    bias_per_step = 0
                    if name in biases:
                        out = out + biases[name][None]
                        bias_per_step = int(np.count_nonzero(biases[name]))
                elif node_type in CONV_TYPES:
                    w, wb, geo = weights[name], binary[name], geometries[name]
                    groups = int(np.asarray(net.params(name)["groups"]).reshape(-1)[0])
                    out = conv_apply(total, w, groups, geo, dtype)
                    synops = conv_apply(arrivals, wb, groups, geo, np.int64)
                    macs = conv_apply((analog != 0).astype(np.int64), wb, groups, geo, np.int64)
                    bias_per_step = 0
                    if name in biases:
                        b = biases[name]
                        out = out + b.reshape((1, -1) + (1,) * len(geo["out"]))
                        bias_per_step = int(np.count_nonzero(b)) * math.prod(geo["out"])
                else:  # Scale
                    out = weights[name][None] * total
                    synops = binary[name][None] * arrivals
                    macs = binary[name][None] * (analog != 0)
                    bias_per_step = 0
                out = out.astype(dtype).reshape(out_shape)
                if node_type != "Scale":
                    # NeuroBench (batch of one): binarise the summed input, count non-zero inputs x non-zero
                    # weights; ACs when every non-zero input is +-1 that step, else MACs.
                    nonzero = (total != 0).astype(np.int64)
                    if node_type in DENSE_TYPES:
                        operations = per_sample(dense_apply(nonzero, wb, np.int64))
                    else:
                        operations = per_sample(conv_apply(nonzero, wb, groups, geo, np.int64))
                    spiking = np.all(((total == 0) | (np.abs(total) == 1)).reshape(n_samples, -1), axis=1)
                    c["neurobench_acs"][:, t] = np.where(spiking, operations, 0)
                    c["neurobench_macs"][:, t] = np.where(spiking, 0, operations)
                c["synops"][:, t] = per_sample(synops)
                c["macs"][:, t] = per_sample(macs)
                c["bias_adds"][:, t] = bias_per_step
                record = (out, np.zeros(out_shape, dtype=np.int64), out)

            elif node_type == "Flatten":
                record = (total.reshape(out_shape), arrivals.reshape(out_shape), analog.reshape(out_shape))

            elif node_type in POOL_TYPES:
                geo = geometries[name]
                divisor = math.prod(geo["kernel"]) if node_type == "AvgPool2d" else None
                record = (pool_apply(total, geo, divisor, dtype),
                          pool_apply(arrivals, geo, None, np.int64),  # one per pooled position reached
                          pool_apply(analog, geo, divisor, dtype))

            elif node_type == "Threshold":
                theta = weights[name][None]
                z = compare(total, theta, threshold_compare)
                c["spikes"][:, t] = per_sample(z)
                c["synops"][:, t] = per_sample(arrivals)  # identity synapse: one per arriving spike
                if trace:
                    traces["ties"][name][:, t] = per_sample(total == theta)
                record = (z.astype(dtype), z.astype(np.int64), np.zeros(out_shape, dtype=dtype))

            elif node_type in POPULATION_TYPES:
                pop, s = populations[name], state[name]
                v_before = s["v"]
                active = total != 0
                if pop.type in LEAKY_TYPES:
                    active = active | (v_before != pop.v_leak[None])
                if pop.type in CUBA_TYPES:
                    active = active | (s["i"] != 0)
                if pop.type in ("IF", "I"):
                    v = v_before + pop.r[None] * total
                elif pop.type in ("LIF", "LI"):
                    v = v_before + pop.alpha[None] * ((pop.v_leak[None] - v_before) + pop.r[None] * total)
                else:
                    i = s["i"] + pop.alpha_syn[None] * (pop.w_in[None] * total - s["i"])
                    v = v_before + pop.alpha_mem[None] * ((pop.v_leak[None] - v_before) + pop.r[None] * i)
                    s["i"] = i.astype(dtype)
                v = v.astype(dtype)
                if pop.type in SPIKING_POPULATIONS:
                    theta = pop.threshold[None]
                    z = compare(v, theta, threshold_compare)
                    if trace:
                        traces["ties"][name][:, t] = per_sample(v == theta)
                    if reset == "subtract":
                        v = np.where(z, v - theta, v).astype(dtype)
                    else:
                        v = np.where(z, pop.v_reset[None], v).astype(dtype)
                    c["spikes"][:, t] = per_sample(z)
                    record = (z.astype(dtype), z.astype(np.int64), np.zeros(out_shape, dtype=dtype))
                else:
                    record = (v.copy(), np.zeros(out_shape, dtype=np.int64), v.copy())
                s["v"] = v
                c["synops"][:, t] = per_sample(arrivals)  # identity synapse: one per arriving spike
                c["neuron_updates"][:, t] = math.prod(net.shape(name))
                c["active_neuron_updates"][:, t] = per_sample(active)
                if trace:
                    traces["v"][name][:, t] = v
                    if pop.type in CUBA_TYPES:
                        traces["i"][name][:, t] = s["i"]

            elif node_type == "Delay":
                steps, passes_spikes = delays[name]
                delay_history[name].append((total.reshape(out_shape), arrivals.reshape(out_shape)))
                value = np.zeros(out_shape, dtype=dtype)
                spikes = np.zeros(out_shape, dtype=np.int64)
                for index in np.ndindex(*net.shape(name)):
                    d = int(steps[index])
                    if t >= d:
                        past_value, past_spikes = delay_history[name][t - d]
                        value[(slice(None),) + index] = past_value[(slice(None),) + index]
                        spikes[(slice(None),) + index] = past_spikes[(slice(None),) + index]
                if passes_spikes:
                    record = (value, spikes, np.zeros(out_shape, dtype=dtype))
                else:
                    record = (value, np.zeros(out_shape, dtype=np.int64), value)

            elif node_type == "Output":
                accumulated[name] = (accumulated[name] + total.reshape(out_shape)).astype(dtype)
                record = (total.reshape(out_shape), arrivals.reshape(out_shape), analog.reshape(out_shape))
                if trace:
                    traces["accumulated"][name][:, t] = accumulated[name]
            else:  # pragma: no cover - rejected in Network
                raise ValueError(f"{name}: unsupported node type {node_type!r}")

            if node_type in SPIKING_POPULATIONS | {"Threshold"}:
                eq12_out = record[1].astype(np.float64).reshape(eq12_out.shape)
            elif node_type == "Flatten":
                eq12_out = eq12_in.reshape(eq12_out.shape)
            elif node_type == "Delay":  # delayed spikes carry their weight to where they land
                eq12_out = record[1].astype(np.float64).reshape(eq12_out.shape)
            elif node_type in POOL_TYPES:
                eq12_out = pool_apply(eq12_in, geometries[name], math.prod(geometries[name]["kernel"]), np.float64)
            eq12_current[name] = eq12_out
            current[name] = record
            if trace:
                traces["out"][name][:, t] = record[0]
        # ties go to the lowest index: np.argmax returns the first maximum
        predictions[:, t] = np.argmax(accumulated[readout].reshape(n_samples, -1), axis=1)
        previous = current
        eq12_previous = eq12_current

    result = {"layers": list(net.layers), "predictions": predictions, "labels": labels, "counts": counts,
              "conventions": conventions}
    if trace:
        result["traces"] = traces
        result["network"] = net
    return result


# --------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("nir_path")
    parser.add_argument("data_path")
    parser.add_argument("--timesteps", type=int, default=8)
    parser.add_argument("--encoding", choices=("direct", "poisson", "spikes"), default="direct")
    parser.add_argument("--reset", choices=("subtract", "value"), default="subtract")
    parser.add_argument("--threshold-compare", choices=("gt", "ge"), default="gt")
    parser.add_argument("--dt", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--readout")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--full", action="store_true", help="print every per-sample, per-step count")
    args = parser.parse_args()
    result = simulate(args.nir_path, args.data_path, timesteps=args.timesteps, encoding=args.encoding,
                      reset=args.reset, threshold_compare=args.threshold_compare, dt=args.dt,
                      seed=args.seed, readout=args.readout, limit=args.limit)
    predictions, labels = result["predictions"], result["labels"]
    summary = {
        "layers": result["layers"],
        "samples": int(len(labels)),
        "accuracy_per_step": [float(np.mean(predictions[:, t] == labels)) for t in range(args.timesteps)],
        "totals": {layer: {k: int(v.sum()) for k, v in c.items()} for layer, c in result["counts"].items()},
    }
    if args.full:
        summary["predictions"] = predictions.tolist()
        summary["counts"] = {layer: {k: v.tolist() for k, v in c.items()}
                             for layer, c in result["counts"].items()}
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    sys.exit(main())
