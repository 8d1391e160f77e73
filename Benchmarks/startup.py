#!/usr/bin/env python3
"""Start-up of `neurocost run`: the whole process on two samples of workload A (VGG-16), 99% sparse and dense.

  python3 Benchmarks/startup.py [--neurocost PATH] [--work DIR] [--runs 9] [--json PATH] [--float-weights]

Issue 16's target: at most 0.1 s for the 99%-sparse VGG-16 and 0.3 s for the dense one, warm page cache. Everything
a user waits for is inside: process start, reading and checking the NIR file (gzip-compressed
HDF5), planning, reading the data, simulating 2 samples, pricing and writing the results file. The command is the
benchmark's own (`--timesteps 8 --threads 2 --reset value`), so benchmark.py can call `measure()` with the networks
and images it made; alone, this script makes workload A in --work (make_workloads.py) if it is not there.

The benchmark's weights are 8-bit levels and their pruned zeros +0, so its files deflate far better (1.3 MB sparse,
21 MB dense) than a trained network's export. --float-weights also times the same networks with full float32
weights pruned by a mask, -0 for about half the zeros (make_workloads.mask_pruned_float: 6.9 and 57.5 MB, like the
issue's own 6 MB and 61 MB files); their start-up is mostly inflating them.

Each figure is the median wall time of --runs runs after one warm-up run (which also warms the page cache), with
the user and system CPU seconds of the same runs (children included: the command does its work in a worker process
it forks and watches, see Sources/NeuroCostCLI/Supervisor.swift). On a shared machine read the CPU seconds too: the wall
time includes waiting for a core.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "Benchmarks")
sys.path.insert(0, HERE)
TARGETS_SECONDS = {"sparse": 0.1, "dense": 0.3}
SAMPLES = 2


def run_once(cmd):
    """(wall seconds, user + system CPU seconds of the process and its children) of one run; exits on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(neurocost, networks, data, work, runs=9, threads=2):
    """Start-up per network: {variant: {"network", "wall_seconds" (median), "cpu_seconds" (median), "all_wall_seconds",
    "target_seconds"}}. `networks` maps "sparse"/"dense" to workload A's NIR files; `data` is an image file."""
    out = os.path.join(work, "startup-run.h5")
    results = {}
    for variant, network in networks.items():
        cmd = [neurocost, "run", network, "--data", data, "--limit", str(SAMPLES), "--timesteps", "8",
               "--threads", str(threads), "--reset", "value", "--out", out, "--force", "--quiet"]
        run_once(cmd)  # warm-up: page cache, dynamic loader caches
        timings = [run_once(cmd) for _ in range(runs)]
        walls = [wall for wall, _ in timings]
        results[variant] = {"network": network, "samples": SAMPLES, "command": " ".join(cmd),
                            "wall_seconds": statistics.median(walls), "all_wall_seconds": walls,
                            "cpu_seconds": statistics.median(cpu for _, cpu in timings),
                            "target_seconds": TARGETS_SECONDS.get(variant.removesuffix("-float"))}
    if os.path.exists(out):
        os.remove(out)
    return results


def ensure_workloads(work):
    """Workload A dense and sparse, and the benchmark's images for it, made in `work` unless already there."""
    networks = {variant: os.path.join(work, f"A-{variant}-0.125.nir") for variant in ("sparse", "dense")}
    if not all(os.path.exists(path) for path in networks.values()):
        subprocess.run([sys.executable, os.path.join(HERE, "make_workloads.py"), work, "--workloads", "A"],
                       check=True, stdout=subprocess.DEVNULL)
    data = os.path.join(work, "images-A.h5")
    if not os.path.exists(data):
        from make_natural_images import smoothed_noise, write_images
        write_images(data, smoothed_noise(256, (3, 32, 32), 7), 7)  # benchmark.py's images for workload A
    return networks, data


def ensure_float_workloads(work, networks):
    """Workload A with full float32 weights pruned by a mask (make_workloads.mask_pruned_float), made in `work` unless
    already there: {"sparse-float": path, "dense-float": path}."""
    floats = {f"{variant}-float": os.path.join(work, f"A-{variant}-0.125-float.nir") for variant in networks}
    for variant, path in floats.items():
        if not os.path.exists(path):
            from make_workloads import mask_pruned_float
            mask_pruned_float(networks[variant.removesuffix("-float")], path)
    return floats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurocost", default=os.path.join(ROOT, ".build", "release", "neurocost"),
                        help="the binary (default: the README's release build, .build/release/neurocost)")
    parser.add_argument("--work", default=os.path.join(ROOT, ".build", "startup-workloads"))
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--float-weights", action="store_true",
                        help="also the same networks with full float32 weights pruned by a mask (-0 for about half "
                             "the zeros), as a trained network exports: the issue's own files were of this kind")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    networks, data = ensure_workloads(args.work)
    if args.float_weights:
        networks.update(ensure_float_workloads(args.work, networks))
    results = measure(args.neurocost, networks, data, args.work, args.runs, args.threads)
    print(f"start-up of `neurocost run` on {SAMPLES} samples, median of {args.runs} runs (whole process, warm cache)")
    for variant, result in results.items():
        size = os.path.getsize(result["network"]) / 2**20
        print(f"  {variant:<12} ({size:5.1f} MB file): {result['wall_seconds']:.3f} s wall, "
              f"{result['cpu_seconds']:.3f} s CPU; target {result['target_seconds']} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
