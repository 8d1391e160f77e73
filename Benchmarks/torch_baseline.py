#!/usr/bin/env python3
"""PyTorch CPU baseline for `neurocost run`: the same converted SNN, the same data, clock-driven.

Reads a NIR network (plain h5py, through Tests/Fixtures/make_fixtures.py), simulates it for T steps with direct
coding and IF neurons (v <- v + r*in; spike where v > theta; reset by subtraction or to v_reset), as docs/execution-model.md
defines, layer by layer: every weighted node is ONE conv/linear call over the T*batch inputs stacked (a node fed
only by the constant analog input is computed once per batch and reused every step), then the IF recursion runs
over T for that population, then the next node (valid because the network has no recurrent edge).

Counts, exactly as NeuroCost defines them: spikes per IF layer = sum of its spikes; synops at the layer where a
spike stops = sum over spikes of the non-zero taps the spike meets (per-spike accounting through Flatten and
pools), computed as (spike counts per neuron) . (out-degree per neuron), the out-degree precomputed once per
(spiking node, target layer) with make_fixtures.FanOut.

It then runs `neurocost run` on the same network and data with the same thread count, checks every layer's
spike and synop totals agree (relative difference < 0.1%: float32 summation order may flip rare spikes), and
prints the throughput of both.

Usage:
    python3 Benchmarks/torch_baseline.py NETWORK.nir DATA.h5 --timesteps 8 --threads 2 [--limit N] [--batch 16]
        [--reset subtract|value] [--json OUT.json] [--neurocost PATH] [--torch-only]

With --torch-only it times PyTorch alone and writes its per-layer counts to --json (Benchmarks/benchmark.py uses
this to measure each engine in its own process, peak memory included); --batches 1,2,4,8,16 first tries each batch
size on --sweep-limit images and keeps the fastest (small batches win on 2 cores: the T*batch activations stay in
cache), --repeats N keeps the best of N timed runs.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Fixtures"))
from make_fixtures import (  # noqa: E402
    FanOut, conv_geometry, flatten_graph, forward_edges, infer_shapes, int_tuple,
    read_plain_graph, topological_order,
)

DENSE_TYPES = {"Affine", "Linear"}
CONV_TYPES = {"Conv1d", "Conv2d"}
POOL_TYPES = {"AvgPool2d", "SumPool2d"}
WEIGHTED_TYPES = DENSE_TYPES | CONV_TYPES
LAYER_TYPES = WEIGHTED_TYPES | {"IF"}
SUPPORTED = LAYER_TYPES | POOL_TYPES | {"Input", "Output", "Flatten"}
TOLERANCE = 1e-3  # relative difference allowed per layer


class Network:
    """The NIR graph prepared for PyTorch: tensors, topological order, out-degrees."""

    def __init__(self, path):
        nodes, edges = flatten_graph(read_plain_graph(path))
        unsupported = sorted({n["type"] for n in nodes.values()} - SUPPORTED)
        if unsupported:
            raise SystemExit(f"unsupported node type(s): {', '.join(unsupported)}")
        if len(forward_edges(nodes, edges)) != len(edges):
            raise SystemExit("recurrent edges are not supported (layer-by-layer evaluation needs a DAG)")
        self.nodes, self.edges = nodes, edges
        self.in_shapes, self.out_shapes = infer_shapes(nodes, edges)
        self.order = topological_order(nodes, edges)
        self.preds = {n: [a for a, b in edges if b == n] for n in nodes}
        self.layers = [n for n in self.order if nodes[n]["type"] in LAYER_TYPES]
        inputs = [n for n in self.order if nodes[n]["type"] == "Input"]
        outputs = [n for n in self.order if nodes[n]["type"] == "Output"]
        if len(inputs) != 1 or not outputs:
            raise SystemExit("need exactly one Input and at least one Output")
        self.input, self.readout = inputs[0], outputs[0]
        self.prepare_tensors()
        self.prepare_fanout()

    def prepare_tensors(self):
        self.t = {}
        for name, node in self.nodes.items():
            p, kind = node["params"], node["type"]
            if kind in WEIGHTED_TYPES:
                entry = {"weight": torch.from_numpy(np.ascontiguousarray(p["weight"], dtype=np.float32))}
                bias = p.get("bias")
                entry["bias"] = (torch.from_numpy(np.ascontiguousarray(bias, dtype=np.float32))
                                 if bias is not None and kind != "Linear" else None)
                if kind in CONV_TYPES:
                    ndim = p["weight"].ndim - 2
                    entry["stride"] = int_tuple(p["stride"], ndim)
                    entry["dilation"] = int_tuple(p["dilation"], ndim)
                    entry["groups"] = int(p["groups"])
                    pad = p["padding"]
                    if isinstance(pad, str):
                        geo = conv_geometry(p, self.in_shapes[name][1:])
                        total = [d * (k - 1) if pad == "same" else 0
                                 for k, d in zip(geo["kernel"], geo["dilation"])]
                        # F.pad takes (last dim before, after, previous dim ...); odd extra pixel at the end
                        entry["pre_pad"] = [x for t in reversed(total) for x in (t // 2, t - t // 2)]
                        entry["padding"] = 0
                    else:
                        entry["pre_pad"] = None
                        entry["padding"] = int_tuple(pad, ndim)
                self.t[name] = entry
            elif kind == "IF":
                shape = self.out_shapes[name]
                r = np.array(np.broadcast_to(np.asarray(p["r"], dtype=np.float32), shape))
                theta = np.array(np.broadcast_to(np.asarray(p["v_threshold"], dtype=np.float32), shape))
                v_reset = np.array(np.broadcast_to(np.asarray(p.get("v_reset", 0), dtype=np.float32), shape))
                self.t[name] = {"r": None if np.all(r == 1) else torch.from_numpy(np.ascontiguousarray(r)),
                                "theta": torch.from_numpy(np.ascontiguousarray(theta)),
                                "v_reset": None if np.all(v_reset == 0) else torch.from_numpy(np.ascontiguousarray(v_reset))}
            elif kind in POOL_TYPES:
                self.t[name] = {"kernel": int_tuple(p["kernel_size"], 2), "stride": int_tuple(p["stride"], 2),
                                "padding": int_tuple(p["padding"], 2)}

    def prepare_fanout(self):
        """degree[(S, W)]: per neuron of spiking node S, the synapses one spike meets at layer W (the layer
        where it stops after Flatten and pools). Built with FanOut on the edges that lead only to W."""
        self.degree = {}
        layer_set = set(self.layers)
        for src in self.layers:
            if self.nodes[src]["type"] != "IF":
                continue
            targets, stack, seen = set(), list(self.succs(src)), set()
            while stack:  # layers reached through routing nodes
                n = stack.pop()
                if n in seen:
                    continue
                seen.add(n)
                if n in layer_set:
                    targets.add(n)
                elif self.nodes[n]["type"] != "Output":
                    stack += self.succs(n)
            for w in sorted(targets):
                kept = [(a, b) for a, b in self.edges if b not in layer_set or b == w]
                deg = FanOut(self.nodes, kept, self.in_shapes, self.out_shapes).out_degree(src)
                self.degree[(src, w)] = torch.from_numpy(deg.reshape(-1).astype(np.float64))

    def succs(self, name):
        return [b for a, b in self.edges if a == name]


def run_batch(net, images, T, spikes_acc, synops_acc, reset="subtract"):
    """Simulate one batch of images (B, *input shape) for T steps. Values are (B, ...) when the node's output is
    the same every step (fed only by the direct-coded input), else (T, B, ...). Adds the batch's counts per step
    and layer to spikes_acc / synops_acc (float64 (T, L)); returns the readout accumulated over the T steps."""
    B = images.shape[0]
    out, static = {}, {}
    col = {name: i for i, name in enumerate(net.layers)}
    readout = None
    for name in net.order:
        kind = net.nodes[name]["type"]
        if kind == "Input":
            out[name], static[name] = images, True
            continue
        preds = net.preds[name]
        is_static = all(static[p] for p in preds)
        x = None
        for p in preds:  # fan-in: element-wise sum (same sizes, read flat where shapes differ)
            v = out[p]
            if not is_static and static[p]:
                v = v.unsqueeze(0).expand((T,) + tuple(v.shape))
            x = v if x is None else x + v.reshape(x.shape)
        lead = (B,) if is_static else (T, B)
        if kind == "IF":
            e = net.t[name]
            theta, r = e["theta"], e["r"]
            x = x.reshape(lead + tuple(net.out_shapes[name]))
            spikes = torch.empty((T, B) + tuple(net.out_shapes[name]), dtype=torch.float32)
            v = torch.zeros((B,) + tuple(net.out_shapes[name]), dtype=torch.float32)
            for t in range(T):
                xt = x if is_static else x[t]
                if r is None:
                    v.add_(xt)
                else:
                    v.add_(r * xt)
                s = spikes[t]
                if reset == "subtract":
                    torch.gt(v, theta, out=s)  # writes 1.0 / 0.0
                    v.sub_(theta * s)
                else:  # to the reset value
                    fired = v > theta
                    s.copy_(fired)
                    if e["v_reset"] is None:
                        v.masked_fill_(fired, 0)
                    else:
                        v = torch.where(fired, e["v_reset"], v)
            out[name], static[name] = spikes, False
            flat = spikes.reshape(T, B, -1).sum(dim=1, dtype=torch.float64)  # (T, neurons)
            spikes_acc[:, col[name]] += flat.sum(dim=1)
            for (src, w), deg in net.degree.items():
                if src == name:
                    synops_acc[:, col[w]] += flat @ deg
            continue
        # stateless nodes: one call over all (T*)B samples
        x = x.reshape((-1,) + tuple(net.in_shapes[name]))
        if kind in CONV_TYPES:
            e = net.t[name]
            if e["pre_pad"]:
                x = F.pad(x, e["pre_pad"])
            conv = F.conv2d if kind == "Conv2d" else F.conv1d
            y = conv(x, e["weight"], e["bias"], e["stride"], e["padding"], e["dilation"], e["groups"])
        elif kind in DENSE_TYPES:
            e = net.t[name]
            y = F.linear(x.reshape(x.shape[0], -1), e["weight"], e["bias"])
        elif kind in POOL_TYPES:
            e = net.t[name]
            y = F.avg_pool2d(x, e["kernel"], e["stride"], e["padding"], ceil_mode=False, count_include_pad=True,
                             divisor_override=1 if kind == "SumPool2d" else None)
        elif kind == "Flatten":
            y = x
        elif kind == "Output":
            y = x
        else:
            raise AssertionError(kind)
        y = y.reshape(lead + tuple(net.out_shapes[name]))
        out[name], static[name] = y, is_static
        if name == net.readout:
            readout = y * T if is_static else y.sum(dim=0)
    return readout


def simulate(net, path, T, limit, batch, reset="subtract"):
    with h5py.File(path, "r") as f:
        images = np.asarray(f["images"][: limit] if limit else f["images"][()], dtype=np.float32)
        labels = np.asarray(f["labels"][: len(images)]) if "labels" in f else None
    images = torch.from_numpy(images)
    L = len(net.layers)
    spikes = torch.zeros((T, L), dtype=torch.float64)
    synops = torch.zeros((T, L), dtype=torch.float64)
    with torch.inference_mode():  # warm-up (one batch, not counted)
        run_batch(net, images[:batch], T, spikes.clone(), synops.clone(), reset)
        predictions = []
        start = time.perf_counter()
        for i in range(0, len(images), batch):
            acc = run_batch(net, images[i:i + batch], T, spikes, synops, reset)
            predictions.append(acc.reshape(acc.shape[0], -1).argmax(dim=1))
        seconds = time.perf_counter() - start
    predictions = torch.cat(predictions).numpy()
    return {"samples": len(images), "seconds": seconds, "spikes": spikes.round().long().numpy(),
            "synops": synops.round().long().numpy(), "predictions": predictions,
            "accuracy": float((predictions == labels).mean()) if labels is not None else None}


def run_neurocost(binary, network, data, T, threads, limit, reset="subtract"):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run.h5")
        cmd = [binary, "run", network, "--data", data, "--timesteps", str(T), "--threads", str(threads),
               "--out", out, "--force", "--quiet", "--reset", reset]
        if limit:
            cmd += ["--limit", str(limit)]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"neurocost failed:\n{proc.stdout}\n{proc.stderr}")
        m = re.search(r"simulated in ([0-9.]+) s \(([0-9.]+) samples/s", proc.stdout)
        with h5py.File(out, "r") as f:
            result = {"names": list(f["layers/names"].asstr()[...]), "kinds": list(f["layers/kinds"].asstr()[...]),
                      "spikes": f["counts/spikes"][...], "synops": f["counts/synops"][...],
                      "predictions": f["results/predictions"][...], "samples": int(f.attrs["samples"])}
    # the printed rate has more digits than the printed time (0.01 s resolution)
    result["seconds"] = result["samples"] / float(m.group(2)) if m and float(m.group(2)) > 0 else wall
    result["wall_seconds"] = wall
    return result


def rel(a, b):
    return abs(a - b) / max(abs(a), abs(b)) if (a or b) else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("network")
    ap.add_argument("data")
    ap.add_argument("--timesteps", type=int, default=8)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--limit", type=int, default=0, help="first N samples only")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--json", metavar="OUT.json")
    ap.add_argument("--neurocost", default=os.path.join(ROOT, ".build", "release", "neurocost"))
    ap.add_argument("--reset", choices=["subtract", "value"], default="subtract",
                    help="after a spike: v -= theta, or v = v_reset (as `neurocost run --reset`)")
    ap.add_argument("--torch-only", action="store_true",
                    help="time PyTorch alone and write its counts to --json (no NeuroCost run, no comparison)")
    ap.add_argument("--batches", help="with --torch-only: comma-separated batch sizes to try on --sweep-limit images "
                                      "first; the fastest is used (overrides --batch)")
    ap.add_argument("--sweep-limit", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=1, help="with --torch-only: time the run this often, keep the best")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    if args.torch_only:
        net = Network(args.network)
        sweep = {}
        if args.batches:
            for batch in [int(b) for b in args.batches.split(",")]:
                trial = simulate(net, args.data, args.timesteps, args.sweep_limit, batch, args.reset)
                sweep[batch] = trial["samples"] / trial["seconds"]
            args.batch = max(sweep, key=sweep.get)
        runs = [simulate(net, args.data, args.timesteps, args.limit, args.batch, args.reset)
                for _ in range(max(args.repeats, 1))]
        pt = min(runs, key=lambda run: run["seconds"])
        result = {"engine": "PyTorch", "torch_version": torch.__version__, "threads": args.threads,
                  "batch": args.batch, "batch_sweep_images_per_s": sweep, "repeats": len(runs),
                  "all_seconds": [run["seconds"] for run in runs],
                  "samples": pt["samples"], "seconds": pt["seconds"], "layers": net.layers,
                  "spikes": pt["spikes"].sum(axis=0).tolist(), "synops": pt["synops"].sum(axis=0).tolist(),
                  "predictions": pt["predictions"].tolist()}
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f)
        print(f"PyTorch: {pt['samples']} samples in {pt['seconds']:.3f} s ({pt['samples'] / pt['seconds']:.1f} images/s, "
              f"batch {args.batch}" + (f", chosen from {sweep}" if sweep else "") + ")")
        return 0
    if not os.path.exists(args.neurocost):
        subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT, check=True)
    net = Network(args.network)
    T = args.timesteps
    pt = simulate(net, args.data, T, args.limit, args.batch, args.reset)
    nc = run_neurocost(args.neurocost, args.network, args.data, T, args.threads, args.limit, args.reset)
    if nc["names"] != net.layers:
        raise SystemExit(f"layer lists differ: NeuroCost {nc['names']} vs PyTorch {net.layers}")

    # agreement, per layer, totals over steps and samples
    print(f"{os.path.basename(args.network)}: {pt['samples']} samples, T = {T}, {args.threads} threads, "
          f"batch {args.batch}")
    print(f"{'layer':<12} {'kind':<8} {'spikes NeuroCost':>17} {'spikes PyTorch':>15} {'rel':>9} "
          f"{'synops NeuroCost':>17} {'synops PyTorch':>15} {'rel':>9}")
    failures, per_layer = [], []
    for j, (name, kind) in enumerate(zip(nc["names"], nc["kinds"])):
        s_nc, s_pt = int(nc["spikes"][:, j].sum()), int(pt["spikes"][:, j].sum())
        o_nc, o_pt = int(nc["synops"][:, j].sum()), int(pt["synops"][:, j].sum())
        rs, ro = rel(s_nc, s_pt), rel(o_nc, o_pt)
        if rs >= TOLERANCE or ro >= TOLERANCE:
            failures.append(name)
        per_layer.append({"layer": name, "kind": kind, "spikes_neurocost": s_nc, "spikes_torch": s_pt,
                          "spikes_rel_diff": rs, "synops_neurocost": o_nc, "synops_torch": o_pt,
                          "synops_rel_diff": ro})
        print(f"{name:<12} {kind:<8} {s_nc:>17,} {s_pt:>15,} {rs:>9.2e} {o_nc:>17,} {o_pt:>15,} {ro:>9.2e}")
    tot = {k: (int(nc[k].sum()), int(pt[k].sum())) for k in ("spikes", "synops")}
    exact = all(r["spikes_neurocost"] == r["spikes_torch"] and r["synops_neurocost"] == r["synops_torch"]
                for r in per_layer)
    same_pred = float((nc["predictions"] == pt["predictions"]).mean())
    print(f"{'total':<21} {tot['spikes'][0]:>17,} {tot['spikes'][1]:>15,} {rel(*tot['spikes']):>9.2e} "
          f"{tot['synops'][0]:>17,} {tot['synops'][1]:>15,} {rel(*tot['synops']):>9.2e}")
    print(f"predictions identical on {same_pred:.2%} of samples"
          + (f"; PyTorch accuracy {pt['accuracy']:.2%}" if pt["accuracy"] is not None else ""))
    if failures:
        print(f"FAIL: counts differ by >= {TOLERANCE:.1%} in layer(s) {', '.join(failures)}")
    else:
        print("counts agree: " + ("exactly, every layer" if exact else f"every layer within {TOLERANCE:.1%}"))

    # throughput
    n = pt["samples"]
    rows = []
    for engine, res in (("NeuroCost", nc), ("PyTorch", pt)):
        syn = int(res["synops"].sum())
        rows.append({"engine": engine, "seconds": res["seconds"], "images_per_s": n / res["seconds"],
                     "synops_per_s": syn / res["seconds"], "spikes_per_image": int(res["spikes"].sum()) / n,
                     "synops_per_image": syn / n})
    print()
    print(f"{'engine':<10} {'time (s)':>9} {'images/s':>10} {'synops/s':>10} {'spikes/image':>13} "
          f"{'synops/image':>13}")
    for r in rows:
        print(f"{r['engine']:<10} {r['seconds']:>9.3f} {r['images_per_s']:>10.1f} {r['synops_per_s']:>10.3g} "
              f"{r['spikes_per_image']:>13,.1f} {r['synops_per_image']:>13,.1f}")
    ratio = rows[0]["images_per_s"] / rows[1]["images_per_s"]
    print(f"NeuroCost / PyTorch speed: {ratio:.2f}x  (NeuroCost: time from the samples/s it prints, cold; process wall time "
          f"{nc['wall_seconds']:.3f} s. PyTorch: simulation and counting, after one warm-up batch)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"network": args.network, "data": args.data, "timesteps": T, "threads": args.threads,
                       "batch": args.batch, "samples": n, "torch_version": torch.__version__,
                       "counts_agree": not failures, "counts_exact": exact, "predictions_identical": same_pred,
                       "layers": per_layer, "throughput": rows, "neurocost_over_torch": ratio,
                       "neurocost_wall_seconds": nc["wall_seconds"]}, f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
