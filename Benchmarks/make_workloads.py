#!/usr/bin/env python3
"""Builds the benchmark's networks as NIR files: deterministic weights, thresholds calibrated to a firing rate.

Workloads (issue 7):
  A  the reference paper's VGG-16 (CIFAR-10, HYDRA variant): 13 conv 3x3 + avg pools, fc 2048-256-256-10, T = 8
  B  a 9-layer VGG: conv 3-64, 64-64, pool, 64-128, 128-128, pool, 128-256 x3, pool, fc 4096-1024-10, T = 32
each dense, or with 99% of every layer's weights pruned at random except the first convolution's.

Weights are He-normal (fixed seed), then rounded to 8-bit levels with one power-of-two step per layer
(w = q * 2^-s, |q| <= 127; a kept weight never rounds to zero). Input pixels are k/256. Every partial sum is then
an integer multiple of a power of two far below 2^24 of it, so float32 addition is exact in any order: a clock-driven
engine that sums by convolution and an event-driven one that sums by scatter must agree to the spike.

Neurons are IF (r = 1, v_reset = 0; run with reset to the reset value, i.e. to zero). Thresholds are calibrated layer
by layer on separate calibration images (PyTorch, clock-driven, exact): each layer's one threshold is the multiple of
its weight step, found by bisection, whose spike count over T steps is closest to RATE x neurons x T, given the
already calibrated layers before it. Conv biases are zero (as exporters write for bias-free convolutions); the
classifier's biases are zero too, so every spike is caused by input.

Usage:
  python3 Benchmarks/make_workloads.py OUT_DIR [--workloads A B] [--variants dense sparse] [--rates 0.125 ...]
      [--calibration-images 16]
writes OUT_DIR/<workload>-<variant>-<rate>.nir and prints one JSON line per network (path, rate reached in
calibration, weights, non-zeros).
"""
import argparse
import json
import math
import os

import nir
import numpy as np
import torch
import torch.nn.functional as F

from make_natural_images import smoothed_noise

WORKLOADS = {
    "A": {"title": "VGG-16 (paper, CIFAR-10 HYDRA variant)",
          "features": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512],
          "classifier": [2048, 256, 256, 10], "timesteps": 8, "rate": 0.125},
    "B": {"title": "9-layer VGG",
          "features": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M"],
          "classifier": [4096, 1024, 10], "timesteps": 32, "rate": 0.10},
}
KEEP_FRACTION = 0.01
INPUT_SHAPE = (3, 32, 32)
CALIBRATION_SEED = 99  # benchmark images use other seeds
MAX_LEVEL = 127


def quantize(weight, kept):
    """Round to q * 2^-s with |q| <= 127 (one s per layer); entries in `kept` stay non-zero."""
    largest = float(np.abs(weight[kept]).max())
    step = 2.0 ** math.ceil(math.log2(largest / MAX_LEVEL))
    levels = np.clip(np.round(weight / step), -MAX_LEVEL, MAX_LEVEL)
    levels[kept & (levels == 0)] = np.sign(weight[kept & (levels == 0)])
    levels[~kept] = 0
    return (levels * step).astype(np.float32), step


def build_layers(workload, sparse, seed):
    """[(kind, params)] with kind conv / pool / flatten / fc; weights quantized, thresholds still unset."""
    spec = WORKLOADS[workload]
    rng = np.random.default_rng(seed)
    layers, channels, first = [], INPUT_SHAPE[0], True

    def weight(shape, fan_in, prune):
        w = rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)
        kept = np.ones(shape, dtype=bool)
        if prune:  # exactly round(1%) of the layer's weights survive, chosen at random
            kept = np.zeros(w.size, dtype=bool)
            kept[rng.choice(w.size, size=round(KEEP_FRACTION * w.size), replace=False)] = True
            kept = kept.reshape(shape)
        return quantize(w, kept)

    for entry in spec["features"]:
        if entry == "M":
            layers.append(("pool", {}))
            continue
        w, step = weight((entry, channels, 3, 3), channels * 9, sparse and not first)
        layers.append(("conv", {"weight": w, "step": step}))
        channels, first = entry, False
    layers.append(("flatten", {}))
    sizes = spec["classifier"]
    for index, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        w, step = weight((fan_out, fan_in), fan_in, sparse)
        layers.append(("fc", {"weight": w, "step": step, "spiking": index < len(sizes) - 2}))
    return layers


def integrate_and_fire(current, static, timesteps, threshold):
    """Spikes (T, B, ...) of IF neurons with reset to zero; `current` is (B, ...) when the same every step."""
    shape = current.shape if static else current.shape[1:]
    v = torch.zeros(shape, dtype=torch.float32)
    spikes = torch.empty((timesteps,) + tuple(shape), dtype=torch.float32)
    for t in range(timesteps):
        v.add_(current if static else current[t])
        fired = v > threshold
        spikes[t] = fired
        v.masked_fill_(fired, 0)
    return spikes


def calibrate_threshold(current, static, timesteps, step, rate):
    """The multiple of `step` whose spike fraction is closest to `rate` (spikes fall as the threshold rises)."""
    def fraction(k):
        return float(integrate_and_fire(current, static, timesteps, k * step).mean())

    low, high = 1, 2
    while fraction(high) > rate:
        low, high = high, high * 2
        if high > 2 ** 30:
            raise SystemExit("threshold calibration diverged")
    while high - low > 1:  # fraction(low) > rate >= fraction(high)
        middle = (low + high) // 2
        if fraction(middle) > rate:
            low = middle
        else:
            high = middle
    best = min((low, high), key=lambda k: abs(fraction(k) - rate))
    return best * step, fraction(best)


def calibrate(layers, timesteps, rate, images):
    """Sets every spiking layer's threshold; returns the spike fraction reached per spiking layer."""
    x, static, reached = torch.from_numpy(images), True, []
    batch = images.shape[0]
    for kind, params in layers:
        if kind == "pool":
            x = F.avg_pool2d(x.reshape((-1,) + tuple(x.shape[-3:])), 2).reshape(tuple(x.shape[:-2]) + (x.shape[-2] // 2, x.shape[-1] // 2))
            continue
        if kind == "flatten":
            x = x.reshape(tuple(x.shape[:-3]) + (-1,))
            continue
        w = torch.from_numpy(params["weight"])
        lead = x.shape[:1] if static else x.shape[:2]
        if kind == "conv":
            current = F.conv2d(x.reshape((-1,) + tuple(x.shape[-3:])), w, padding=1)
            current = current.reshape(tuple(lead) + tuple(current.shape[1:]))
        else:
            current = F.linear(x.reshape(-1, x.shape[-1]), w).reshape(tuple(lead) + (w.shape[0],))
        if kind == "fc" and not params["spiking"]:
            break
        threshold, fraction = calibrate_threshold(current, static, timesteps, params["step"], rate)
        params["threshold"] = threshold
        reached.append(fraction)
        x, static = integrate_and_fire(current, static, timesteps, threshold), False
        assert x.shape[1] == batch
    return reached


def to_nir(layers):
    nodes = {"input": nir.Input(input_type=np.array(INPUT_SHAPE))}
    channels, size, counts = INPUT_SHAPE[0], INPUT_SHAPE[1], {"conv": 0, "pool": 0, "fc": 0}

    def spiking(name, shape, threshold):
        nodes[name] = nir.IF(r=np.ones(shape, dtype=np.float32),
                             v_threshold=np.full(shape, threshold, dtype=np.float32),
                             v_reset=np.zeros(shape, dtype=np.float32))

    for kind, params in layers:
        if kind == "pool":
            counts["pool"] += 1
            nodes[f"pool{counts['pool']}"] = nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                                                           padding=np.array([0, 0]))
            size //= 2
        elif kind == "flatten":
            nodes["flatten"] = nir.Flatten(input_type={"input": np.array([channels, size, size])},
                                           start_dim=0, end_dim=-1)
        elif kind == "conv":
            counts["conv"] += 1
            w = params["weight"]
            nodes[f"conv{counts['conv']}"] = nir.Conv2d(input_shape=(size, size), weight=w, stride=1, padding=1,
                                                        dilation=1, groups=1,
                                                        bias=np.zeros(w.shape[0], dtype=np.float32))
            channels = w.shape[0]
            spiking(f"if{counts['conv']}", (channels, size, size), params["threshold"])
        else:
            counts["fc"] += 1
            w = params["weight"]
            nodes[f"fc{counts['fc']}"] = nir.Affine(weight=w, bias=np.zeros(w.shape[0], dtype=np.float32))
            if params["spiking"]:
                spiking(f"if_fc{counts['fc']}", (w.shape[0],), params["threshold"])
    nodes["output"] = nir.Output(output_type=np.array([layers[-1][1]["weight"].shape[0]]))
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names, names[1:])))


def make(out_dir, workload, variant, rate, calibration_images):
    spec = WORKLOADS[workload]
    layers = build_layers(workload, variant == "sparse", seed={"A": 16, "B": 9}[workload])
    images = smoothed_noise(calibration_images, INPUT_SHAPE, CALIBRATION_SEED)
    reached = calibrate(layers, spec["timesteps"], rate, images)
    path = os.path.join(out_dir, f"{workload}-{variant}-{rate:g}.nir")
    nir.write(path, to_nir(layers))
    weights = sum(p["weight"].size for k, p in layers if "weight" in p)
    nonzero = sum(int(np.count_nonzero(p["weight"])) for k, p in layers if "weight" in p)
    return {"workload": workload, "variant": variant, "rate": rate, "path": path, "timesteps": spec["timesteps"],
            "weights": weights, "nonzero_weights": nonzero, "calibrated_rates": reached}


def mask_pruned_float(source, target, seed=5):
    """`source`'s network with He-normal float32 weights in place of its 8-bit levels, pruned as torch's pruning
    does it, by multiplying with the mask of `source`'s non-zeros: a pruned weight that was negative becomes -0, about
    half of the zeros. Thresholds stay as calibrated for `source`. The file is what a trained, pruned network exports
    to (6.9 MB for the 99%-sparse VGG-16, 57.5 MB dense, like the 6 MB and 61 MB files of issue 16), where `source`
    deflates to 1.3 and 21 MB; start-up is measured on both (startup.py --float-weights)."""
    rng = np.random.default_rng(seed)
    graph = nir.read(source)
    for node in graph.nodes.values():
        if isinstance(node, (nir.Conv2d, nir.Affine)):
            kept = (node.weight != 0).astype(np.float32)
            fan_in = int(np.prod(node.weight.shape[1:]))
            drawn = rng.standard_normal(node.weight.shape).astype(np.float32) * np.float32(math.sqrt(2 / fan_in))
            node.weight = drawn * kept
    nir.write(target, graph)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--workloads", nargs="+", default=["A", "B"], choices=sorted(WORKLOADS))
    parser.add_argument("--variants", nargs="+", default=["dense", "sparse"], choices=["dense", "sparse"])
    parser.add_argument("--rates", nargs="+", type=float, help="default: each workload's own rate")
    parser.add_argument("--calibration-images", type=int, default=16)
    args = parser.parse_args()
    torch.manual_seed(0)
    os.makedirs(args.out_dir, exist_ok=True)
    for workload in args.workloads:
        for variant in args.variants:
            for rate in args.rates or [WORKLOADS[workload]["rate"]]:
                print(json.dumps(make(args.out_dir, workload, variant, rate, args.calibration_images)), flush=True)


if __name__ == "__main__":
    main()
