#!/usr/bin/env python3
"""Writes digits-cnn-untrained-90.nir: the architecture of the bundled digits SNN with seeded random
weights pruned 90% by magnitude. It lets `neurocost inspect` show its static analysis on a fresh machine
before the trained example networks exist; it is not a trained model.

Usage: python3 Datasets/networks/make_untrained_example.py [OUTPUT.nir]
Requires the packages in Tests/Fixtures/requirements.txt.
"""
import sys

import nir
import numpy as np

OUTPUT = sys.argv[1] if len(sys.argv) > 1 else "Datasets/networks/digits-cnn-untrained-90.nir"
rng = np.random.default_rng(2025)


def pruned(shape, fan_in, keep=0.10):
    """He-scaled random weights with all but the largest `keep` fraction (by magnitude) set to zero."""
    weight = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
    cutoff = np.quantile(np.abs(weight), 1.0 - keep)
    weight[np.abs(weight) < cutoff] = 0.0
    return weight


def if_population(shape, threshold):
    return nir.IF(r=np.ones(shape, np.float32), v_threshold=np.full(shape, threshold, np.float32),
                  v_reset=np.zeros(shape, np.float32))


def conv(c_out, c_in, size):
    return nir.Conv2d(input_shape=(size, size), weight=pruned((c_out, c_in, 3, 3), c_in * 9),
                      stride=1, padding=1, dilation=1, groups=1, bias=np.zeros(c_out, np.float32))


pool = dict(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0]))
nodes = {
    "input": nir.Input(input_type=np.array([1, 8, 8])),
    "conv1": conv(8, 1, 8), "if1": if_population((8, 8, 8), 1.0), "pool1": nir.AvgPool2d(**pool),
    "conv2": conv(16, 8, 4), "if2": if_population((16, 4, 4), 1.0), "pool2": nir.AvgPool2d(**pool),
    "flatten": nir.Flatten(input_type={"input": np.array([16, 2, 2])}, start_dim=0, end_dim=-1),
    "fc1": nir.Affine(weight=pruned((32, 64), 64), bias=np.zeros(32, np.float32)),
    "if3": if_population((32,), 1.0),
    "fc2": nir.Affine(weight=pruned((10, 32), 32), bias=np.zeros(10, np.float32)),
    "output": nir.Output(output_type=np.array([10])),
}
names = list(nodes)
graph = nir.NIRGraph(nodes=nodes, edges=list(zip(names, names[1:])),
                     metadata={"description": "untrained architecture example, random weights pruned 90%", "seed": 2025})
nir.write(OUTPUT, graph)
print(f"wrote {OUTPUT}")
