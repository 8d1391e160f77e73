#!/usr/bin/env python3
"""An independent numpy forward pass of a NIR file read with h5py only (no `nir`, no torch).

Each IF (and LIF) population is treated as a ReLU: this is the ANN view of a converted network, the one whose
logits the SNN approximates over time. Handles the node kinds of the bundled example networks: Input, Conv2d,
AvgPool2d, SumPool2d, Flatten, Affine, Linear, IF, LIF, Output (edges into one node are summed).
Computation is in float64.

    python3 Datasets/networks/nir_numpy.py NETWORK.nir DATA.h5    # prints the accuracy on DATA.h5
"""
import sys

import h5py
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _read(group):
    out = {}
    for key, item in group.items():
        if isinstance(item, h5py.Group):
            out[key] = _read(item)
        else:
            value = item[()]
            out[key] = value.decode("utf-8") if isinstance(value, bytes) else value
    return out


def load(path):
    """Returns (nodes, edges, metadata) of the top-level graph: nodes maps name -> dict of fields."""
    with h5py.File(path, "r") as f:
        graph = f["node"]
        nodes = {name: _read(group) for name, group in graph["nodes"].items()}
        edges = [(s.decode() if isinstance(s, bytes) else s, d.decode() if isinstance(d, bytes) else d)
                 for s, d in graph["edges"][()]]
        metadata = _read(graph["metadata"]) if "metadata" in graph else {}
    return nodes, edges, metadata


def _pair(value):
    value = np.atleast_1d(np.asarray(value)).astype(int)
    return (int(value[0]), int(value[-1])) if value.size in (1, 2) else None


def conv2d(x, weight, bias, stride, padding, dilation, groups):
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    c_out, c_in_g, kh, kw = weight.shape
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(x, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw]                       # (B, C, H', W', kh, kw)
    outs = []
    per_group_out = c_out // groups
    for g in range(groups):
        part = win[:, g * c_in_g:(g + 1) * c_in_g]
        w = weight[g * per_group_out:(g + 1) * per_group_out]
        outs.append(np.einsum("bchwij,ocij->bohw", part, w, optimize=True))
    y = np.concatenate(outs, axis=1)
    return y + bias.reshape(1, -1, 1, 1)


def pool2d(x, kernel, stride, padding, average):
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel), _pair(stride), _pair(padding)
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    total = win.sum(axis=(4, 5))
    return total / (kh * kw) if average else total


def _topological(nodes, edges):
    incoming = {name: [] for name in nodes}
    for s, d in edges:
        incoming[d].append(s)
    order, done = [], set()
    while len(order) < len(nodes):
        ready = [n for n in nodes if n not in done and all(p in done for p in incoming[n])]
        if not ready:
            raise ValueError("graph has a cycle")
        for n in ready:
            order.append(n)
            done.add(n)
    return order, incoming


def forward(nodes, edges, x):
    """x: (B, *input shape). Returns the Output node's value (B, ...) in float64."""
    order, incoming = _topological(nodes, edges)
    values = {}
    x = np.asarray(x, dtype=np.float64)
    for name in order:
        node = nodes[name]
        kind = node["type"]
        if kind == "Input":
            values[name] = x
            continue
        inputs = [values[p] for p in incoming[name]]
        v = inputs[0] if len(inputs) == 1 else sum(inputs)
        if kind == "Conv2d":
            v = conv2d(v, node["weight"].astype(np.float64), node["bias"].astype(np.float64), node["stride"],
                       node["padding"], node["dilation"], int(node["groups"]))
        elif kind in ("AvgPool2d", "SumPool2d"):
            v = pool2d(v, node["kernel_size"], node["stride"], node["padding"], kind == "AvgPool2d")
        elif kind == "Flatten":
            start, end = int(node["start_dim"]), int(node["end_dim"])
            shape = v.shape[1:]
            start %= len(shape)
            end %= len(shape)
            v = v.reshape(v.shape[0], *shape[:start], -1, *shape[end + 1:])
        elif kind == "Affine":
            v = v.reshape(v.shape[0], -1) @ node["weight"].astype(np.float64).T + node["bias"].astype(np.float64)
        elif kind == "Linear":
            v = v.reshape(v.shape[0], -1) @ node["weight"].astype(np.float64).T
        elif kind in ("IF", "LIF"):
            v = np.maximum(v, 0.0)                                  # the ANN view: spiking neuron = ReLU
        elif kind == "Output":
            pass
        else:
            raise ValueError(f"node {name}: kind {kind} not supported by this checker")
        values[name] = v
    outputs = [n for n in order if nodes[n]["type"] == "Output"]
    return values[outputs[0]]


def weight_counts(nodes):
    """(total weights, non-zero weights) over Conv2d, Affine and Linear weights."""
    total = nonzero = 0
    for node in nodes.values():
        if node["type"] in ("Conv2d", "Affine", "Linear", "Conv1d"):
            total += node["weight"].size
            nonzero += int(np.count_nonzero(node["weight"]))
    return total, nonzero


def accuracy(path, data_path):
    nodes, edges, _ = load(path)
    with h5py.File(data_path, "r") as f:
        images, labels = f["images"][()], f["labels"][()]
    logits = forward(nodes, edges, images)
    return float(np.mean(logits.argmax(axis=1) == labels)), logits


if __name__ == "__main__":
    acc, _ = accuracy(sys.argv[1], sys.argv[2])
    print(f"{sys.argv[1]} on {sys.argv[2]}: accuracy {acc:.4f}")
