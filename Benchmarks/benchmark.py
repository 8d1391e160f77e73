#!/usr/bin/env python3
"""NeuroCost against a plain PyTorch clock-driven baseline: every workload, every target of issue 16, one command.

  python3 Benchmarks/benchmark.py [--threads 2] [--json Benchmarks/results.json] [--quick]

Steps (everything deterministic, built here):
 1. `swift build -c release`.
 2. make_workloads.py: workloads A (paper's VGG-16, T = 8, 12.5% firing) and B (9-layer VGG, T = 32, 10% firing),
    dense and 99% sparse, plus workload A at 2.5/5/10/20% firing for the activity sweep; smoothed-noise images.
 3. Per workload: PyTorch (torch_baseline.py --torch-only) and `neurocost run`, each in its own process (peak
    resident memory from wait4), same images and threads. Every layer's spike and synop totals must be equal
    (weights are 8-bit levels with power-of-two steps, so float32 sums are exact in any order); the run stops if not.
    NeuroCost again on one thread (thread scaling), and with `--trace raster` and `--trace spikes` on workload A
    sparse (tracing cost: untraced, raster and spikes runs in turn, best of at least three each).
 4. The sweep: NeuroCost time per image against synops and neuron updates per image, least-squares fit.
 5. A table on stdout and the same as JSON.

Timing: NeuroCost's is the simulation time it reports (samples / its printed samples per second: plan built, file
open, before the results are summarised), PyTorch's the loop over batches after one warm-up batch, at the batch
size that was fastest on 16 images (1, 2, 4, 8 or 16: small batches win on 2 cores). Each engine: best of
--repeats runs (default 2) in each of --rounds passes over all workloads (default 2). Process wall times are in the JSON too. Both engines on the same images.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "Benchmarks")
sys.path.insert(0, HERE)
from make_natural_images import smoothed_noise, write_images  # noqa: E402
import startup  # noqa: E402

BUILD_DIR = os.path.join(ROOT, ".build", "benchmark")
NEUROCOST = os.path.join(BUILD_DIR, "release", "neurocost")
SWEEP_RATES = [0.025, 0.05, 0.10, 0.20]
TORCH_BATCHES = [1, 2, 4, 8, 16]
REPEATS = 2
# Issue 16: 12x PyTorch on the 99%-sparse workloads, 2.5x on the dense ones; event traces within +50%, rasters +25%.
TARGETS = {"sparse_ratio": 12.0, "dense_ratio": 2.5, "thread_scaling": 1.8,
           "tracing_overhead": {"raster": 0.25, "spikes": 0.50}, "memory_factor": 1.5, "memory_extra_mb": 256}


def process_tree(pid):
    """pid and its descendants still running, from /proc/PID/task/TID/children."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            pass
    return found


def run_measured(cmd):
    """Runs cmd; returns (stdout, wall seconds, the child's peak resident memory in MB) or exits with its output.

    Peak memory is VmHWM from /proc/PID/status, polled while the child runs, of the child and of every process it
    started: `neurocost` forks a worker that does the work while the process started here only supervises it, so
    the child's own figure alone would miss the run. The largest of them is reported. (wait4's ru_maxrss would also
    count the pages of this Python process the child shared until exec.)"""
    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        peak_kb = 0
        while proc.poll() is None:
            for pid in process_tree(proc.pid):
                try:
                    with open(f"/proc/{pid}/status") as status:
                        for line in status:
                            if line.startswith("VmHWM:"):
                                peak_kb = max(peak_kb, int(line.split()[1]))
                except (OSError, ValueError):
                    pass
            time.sleep(0.01)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{stdout}\n{stderr}")
    return stdout, wall, peak_kb / 1024


def best_run(runs):
    """The fastest of `runs` (by simulation seconds), with every run's seconds and the largest peak of them."""
    best = min(runs, key=lambda run: run["seconds"])
    best["all_seconds"] = [run["seconds"] for run in runs]
    best["peak_rss_mb"] = max(run["peak_rss_mb"] for run in runs)
    return best


def neurocost(network, data, timesteps, threads, work, extra=(), repeats=1):
    """Best of `repeats` runs (the machine's noise is a few percent; PyTorch gets the same treatment)."""
    return best_run([neurocost_once(network, data, timesteps, threads, work, extra) for _ in range(max(repeats, 1))])


def neurocost_interleaved(network, data, timesteps, threads, work, configurations, rounds):
    """Best of `rounds` runs of each of `configurations` (name: extra arguments), the configurations run in turn
    within each round: on this shared machine the speed drifts by more than tracing costs over a minute, and runs of
    one configuration back to back would carry that drift into the comparison. {name: best run} as `neurocost`."""
    runs = {name: [] for name in configurations}
    for _ in range(max(rounds, 1)):
        for name, extra in configurations.items():
            runs[name].append(neurocost_once(network, data, timesteps, threads, work, extra))
    return {name: best_run(taken) for name, taken in runs.items()}


def neurocost_once(network, data, timesteps, threads, work, extra=()):
    out = os.path.join(work, "run.h5")
    cmd = [NEUROCOST, "run", network, "--data", data, "--timesteps", str(timesteps), "--threads", str(threads),
           "--reset", "value", "--out", out, "--force", "--quiet", *extra]
    stdout, wall, rss = run_measured(cmd)
    rate = re.search(r"simulated in [0-9.]+ s \(([0-9.]+) samples/s", stdout)
    kernels = re.search(r"with (\w+) kernels", stdout)
    if kernels:
        KERNELS_SEEN.add(kernels.group(1))
    with h5py.File(out, "r") as f:
        samples = int(f.attrs["samples"])
        result = {"layers": list(f["layers/names"].asstr()[...]), "kinds": list(f["layers/kinds"].asstr()[...]),
                  "spikes": f["counts/spikes"][...].sum(axis=0).tolist(),
                  "synops": f["counts/synops"][...].sum(axis=0).tolist(),
                  "neuron_updates": int(f["counts/neuron_updates"][...].sum()),
                  "predictions": f["results/predictions"][...].tolist(), "samples": samples}
        if "traces/spikes" in f:
            for n in f["traces/spikes"]:  # schema 5: step_start indexes every row of the neuron column
                group = f["traces/spikes"][n]
                steps = int(f.attrs["timesteps"])
                if group["step_start"].shape != (samples * steps + 1,) or group["step_start"][-1] != group["neuron"].shape[0]:
                    raise SystemExit(f"{out}: /traces/spikes/{n}: step_start does not index the neuron column")
            result["traced_spikes"] = sum(f["traces/spikes"][n]["neuron"].shape[0] for n in f["traces/spikes"])
        if "traces/raster" in f:
            result["traced_spikes"] = sum(int(np.unpackbits(f["traces/raster"][n]["bits"][...]).sum())
                                          for n in f["traces/raster"])
    result["file_bytes"] = os.path.getsize(out)
    os.remove(out)
    result["seconds"] = samples / float(rate.group(1))
    result["wall_seconds"], result["peak_rss_mb"] = wall, rss
    return result


def pytorch(network, data, timesteps, threads, work, repeats=1):
    """PyTorch at its fastest batch size (tried first on 16 images), best of `repeats` timed runs."""
    out = os.path.join(work, "torch.json")
    cmd = [sys.executable, os.path.join(HERE, "torch_baseline.py"), network, data, "--timesteps", str(timesteps),
           "--threads", str(threads), "--reset", "value", "--torch-only", "--json", out,
           "--batches", ",".join(map(str, TORCH_BATCHES)), "--repeats", str(repeats)]
    _, wall, rss = run_measured(cmd)
    with open(out) as f:
        result = json.load(f)
    result["wall_seconds"], result["peak_rss_mb"] = wall, rss
    return result


def agreement(nc, pt):
    """Per layer (name, spikes NeuroCost, spikes PyTorch, synops NeuroCost, synops PyTorch); all must be equal."""
    if nc["layers"] != pt["layers"]:
        sys.exit(f"layer lists differ: NeuroCost {nc['layers']} vs PyTorch {pt['layers']}")
    rows = list(zip(nc["layers"], nc["spikes"], pt["spikes"], nc["synops"], pt["synops"]))
    return rows, all(a == b and c == d for _, a, b, c, d in rows)


def make_networks(work, args):
    cmd = [sys.executable, os.path.join(HERE, "make_workloads.py"), work, "--calibration-images",
           str(args.calibration_images)]
    networks = []
    workloads = sorted({label.split("-")[0] for label in args.only}) if args.only else ["A", "B"]
    runs = [["--workloads", *workloads]]
    if not args.no_sweep:
        runs.append(["--workloads", "A", "--rates", *map(str, SWEEP_RATES)])
    for extra in runs:
        out = subprocess.run(cmd + extra, check=True, capture_output=True, text=True).stdout
        networks += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return networks


def fit(points):
    """Least squares per network: seconds per image = a * synops + b * neuron updates. Within one network the
    neuron updates per image are fixed (every neuron, every step), so b comes from the intercept."""
    updates = points[0]["neuron_updates_per_image"]
    assert all(p["neuron_updates_per_image"] == updates for p in points)
    x = np.array([[p["synops_per_image"], 1.0] for p in points])
    y = np.array([p["seconds_per_image"] for p in points])
    (slope, intercept), *_ = np.linalg.lstsq(x, y, rcond=None)
    predicted = x @ np.array([slope, intercept])
    r2 = 1 - ((y - predicted) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    return {"ns_per_synop": slope * 1e9, "ns_per_neuron_update": intercept / updates * 1e9,
            "r_squared": float(r2), "max_relative_residual": float(np.max(np.abs(predicted - y) / y))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--images-a", type=int, default=256, help="images for workload A (default 256)")
    parser.add_argument("--images-b", type=int, default=64, help="images for workload B (default 64)")
    parser.add_argument("--sweep-images", type=int, default=256, help="images per sweep point (default 256)")
    parser.add_argument("--calibration-images", type=int, default=16)
    parser.add_argument("--json", default=os.path.join(HERE, "results.json"))
    parser.add_argument("--work", help="keep networks and data here (default: a temporary directory)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed runs per engine and workload; the best counts")
    parser.add_argument("--rounds", type=int, default=2, help="passes over all workloads (best of all rounds counts)")
    parser.add_argument("--quick", action="store_true", help="fewer images (a smoke run, not for the record)")
    parser.add_argument("--only", nargs="+", choices=["A-sparse", "A-dense", "B-sparse", "B-dense"],
                        help="time only these workloads (tracing runs with A-sparse); not for the record")
    parser.add_argument("--no-sweep", action="store_true", help="skip the activity sweep; not for the record")
    args = parser.parse_args()
    if args.quick:
        args.images_a, args.images_b, args.sweep_images, args.repeats, args.rounds = 16, 4, 8, 1, 1

    # Exactly the README's build (no target flags): the kernels pick the CPU's instruction set at run time.
    print(f"building release as the README does (swift build -c release) on {cpu_model()} ...", flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", BUILD_DIR], cwd=ROOT, check=True,
                   capture_output=True)

    work = args.work or tempfile.mkdtemp(prefix="neurocost-bench-")
    os.makedirs(work, exist_ok=True)
    print(f"making workloads in {work} ...", flush=True)
    networks = make_networks(work, args)
    data = {}
    for name, count, seed in (("A", args.images_a, 7), ("B", args.images_b, 8), ("sweep", args.sweep_images, 9),
                              ("A-more", 4 * args.images_a, 10)):
        data[name] = os.path.join(work, f"images-{name}.h5")
        write_images(data[name], smoothed_noise(count, (3, 32, 32), seed), seed)

    report = {"machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version(), "torch": None, "swift": swift_version()},
              "threads": args.threads, "workloads": [], "targets": TARGETS}
    main_networks = [n for n in networks if n["rate"] in (0.125, 0.10) and
                     (n["workload"], n["rate"]) in (("A", 0.125), ("B", 0.10)) and
                     (not args.only or f"{n['workload']}-{n['variant']}" in args.only)]
    # Rounds over all workloads, keeping each engine's best: this VM's speed drifts by 10-20% over minutes, and
    # a slow spell should not land on one engine only.
    timings = {}
    for round_index in range(args.rounds):
        for network in main_networks:
            label = f"{network['workload']} {network['variant']}"
            images = data[network["workload"]]
            T = network["timesteps"]
            print(f"round {round_index + 1}/{args.rounds}, {label}: PyTorch ...", flush=True)
            pt = pytorch(network["path"], images, T, args.threads, work, repeats=args.repeats)
            print(f"round {round_index + 1}/{args.rounds}, {label}: NeuroCost ...", flush=True)
            nc = neurocost(network["path"], images, T, args.threads, work, repeats=args.repeats)
            rows, exact = agreement(nc, pt)
            if not exact:
                for row in rows:
                    print("  {:<10} spikes {:>12,} vs {:>12,}  synops {:>14,} vs {:>14,}".format(*row))
                sys.exit(f"{label}: counts differ between NeuroCost and PyTorch; not timing a wrong answer")
            one = neurocost(network["path"], images, T, 1, work, repeats=args.repeats)
            best = timings.setdefault(label, {})
            for key, run in (("pt", pt), ("nc", nc), ("one", one)):
                if key not in best or run["seconds"] < best[key]["seconds"]:
                    if key in best:
                        run["all_seconds"] = best[key]["all_seconds"] + run["all_seconds"]
                    best[key] = run
                else:
                    best[key]["all_seconds"] += run["all_seconds"]
    for network in main_networks:
        label = f"{network['workload']} {network['variant']}"
        images = data[network["workload"]]
        T = network["timesteps"]
        pt, nc, one = timings[label]["pt"], timings[label]["nc"], timings[label]["one"]
        report["machine"]["torch"] = pt["torch_version"]
        rows, exact = agreement(nc, pt)
        n = nc["samples"]
        synops, spikes = sum(nc["synops"]), sum(nc["spikes"])
        entry = {"workload": network["workload"], "variant": network["variant"], "timesteps": T, "images": n,
                 "weights": network["weights"], "nonzero_weights": network["nonzero_weights"],
                 "weight_bytes": 4 * network["weights"], "firing_fraction": spikes / (nc["neuron_updates"]),
                 "spikes_per_image": spikes / n, "synops_per_image": synops / n,
                 "neuron_updates_per_image": nc["neuron_updates"] / n, "counts_equal": exact,
                 "predictions_equal": nc["predictions"] == pt["predictions"],
                 "neurocost": engine_row(nc, n, synops), "pytorch": engine_row(pt, n, synops),
                 "pytorch_batch": pt["batch"], "pytorch_batch_sweep": pt["batch_sweep_images_per_s"],
                 "neurocost_1_thread": engine_row(one, n, synops)}
        entry["ratio"] = entry["neurocost"]["images_per_s"] / entry["pytorch"]["images_per_s"]
        # The issue's measure: NeuroCost's whole process (start-up, simulation, pricing, results file) against
        # PyTorch's timed loop alone (its interpreter start, `import torch` and NIR loading are left out, which
        # favours PyTorch), best run of each.
        entry["ratio_whole_process"] = (n / nc["wall_seconds"]) / entry["pytorch"]["images_per_s"]
        entry["thread_scaling"] = entry["neurocost"]["images_per_s"] / entry["neurocost_1_thread"]["images_per_s"]
        entry["memory_budget_mb"] = TARGETS["memory_factor"] * entry["weight_bytes"] / 2**20 + TARGETS["memory_extra_mb"]
        if network["workload"] == "A" and network["variant"] == "sparse":
            print(f"{label}: tracing and memory ...", flush=True)
            # Tracing is timed on the 4x longer image set: the last block's write cannot overlap anything, and on
            # a short run that fixed cost would dominate the comparison.
            # Untraced, raster (one bit per neuron and step) and spikes (events) in turn, best of at least 3 each.
            runs = neurocost_interleaved(network["path"], data["A-more"], T, args.threads, work,
                                         {"off": [], "raster": ["--trace", "raster"], "spikes": ["--trace", "spikes"]},
                                         rounds=max(args.repeats, 3))
            more = runs["off"]
            entry["memory_vs_images"] = {str(n): nc["peak_rss_mb"], str(more["samples"]): more["peak_rss_mb"]}
            entry["tracing_images"] = more["samples"]
            entry["tracing"] = {}
            for kind in ("raster", "spikes"):
                traced = runs[kind]
                if traced.get("traced_spikes") != sum(traced["spikes"]):
                    sys.exit(f"--trace {kind} recorded {traced.get('traced_spikes')} spikes, the counts say {sum(traced['spikes'])}")
                entry["tracing"][kind] = {
                    "seconds_off": more["seconds"], "seconds_on": traced["seconds"],
                    "wall_seconds_off": more["wall_seconds"], "wall_seconds_on": traced["wall_seconds"],
                    "overhead": traced["seconds"] / more["seconds"] - 1,
                    "wall_overhead": traced["wall_seconds"] / more["wall_seconds"] - 1,
                    "spikes_recorded": int(sum(more["spikes"])), "file_bytes": traced["file_bytes"],
                    "peak_rss_mb": traced["peak_rss_mb"], "all_seconds_off": more["all_seconds"],
                    "all_seconds_on": traced["all_seconds"]}
        report["workloads"].append(entry)

    print("activity sweep ...", flush=True)
    points = []
    for network in networks:
        if network["workload"] != "A" or network["rate"] == 0.125 or args.no_sweep:
            continue
        # Best of --repeats, like the main timings: at 2.5% firing a sparse run lasts a fraction of a second.
        nc = neurocost(network["path"], data["sweep"], network["timesteps"], args.threads, work, repeats=args.repeats)
        n = nc["samples"]
        points.append({"variant": network["variant"], "target_rate": network["rate"],
                       "firing_fraction": sum(nc["spikes"]) / nc["neuron_updates"],
                       "seconds_per_image": nc["seconds"] / n, "synops_per_image": sum(nc["synops"]) / n,
                       "neuron_updates_per_image": nc["neuron_updates"] / n})
    report["sweep"] = {"workload": "A", "images": args.sweep_images, "points": points,
                       "fit": {variant: fit([p for p in points if p["variant"] == variant])
                               for variant in ("dense", "sparse") if not args.no_sweep}}
    startup_networks = {n["variant"]: n["path"] for n in main_networks if n["workload"] == "A"}
    if startup_networks:
        print("start-up ...", flush=True)
        report["startup"] = startup.measure(NEUROCOST, startup_networks, data["A"], work, threads=args.threads)
    report["machine"]["build"] = "swift build -c release (as the README; no target flags)"
    report["machine"]["kernels"] = kernel_instruction_set()
    print_report(report)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
    print(f"\nJSON: {args.json}")


def engine_row(result, n, synops):
    seconds = result["seconds"]
    return {"seconds": seconds, "all_seconds": result.get("all_seconds", [seconds]),
            "wall_seconds": result["wall_seconds"], "images_per_s": n / seconds,
            "synops_per_s": synops / seconds, "peak_rss_mb": result["peak_rss_mb"]}


KERNELS_SEEN = set()


def kernel_instruction_set():
    """The instruction set NeuroCost's kernels chose on this CPU (the runs' summary lines name it)."""
    return ", ".join(sorted(KERNELS_SEEN)) or "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


def swift_version():
    try:
        return subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def print_report(report):
    m = report["machine"]
    print(f"\n{m['cpu']}, {m['cores']} cores; {m['swift']}; PyTorch {m['torch']}; {report['threads']} threads")
    print(f"NeuroCost: {m['build']}; kernels: {m['kernels']}")
    header = (f"{'workload':<10} {'engine':<10} {'images/s':>9} {'synops/s':>10} {'updates/s':>10} "
              f"{'peak MB':>8} {'ratio':>7} {'whole process':>14}")
    print(header)
    print("-" * len(header))
    for w in report["workloads"]:
        label = f"{w['workload']} {w['variant']}"
        updates = w["neuron_updates_per_image"]
        for engine in ("neurocost", "pytorch"):
            e = w[engine]
            ratio = f"{w['ratio']:.2f}x" if engine == "neurocost" else ""
            whole = (f"{w['images'] / e['wall_seconds']:.1f}/s {w['ratio_whole_process']:.2f}x"
                     if engine == "neurocost" else "")
            name = "NeuroCost" if engine == "neurocost" else f"PyTorch/{w['pytorch_batch']}"
            print(f"{label:<10} {name:<10} {e['images_per_s']:>9.1f} "
                  f"{e['synops_per_s']:>10.3g} {updates * e['images_per_s']:>10.3g} {e['peak_rss_mb']:>8.0f} {ratio:>7} {whole:>14}")
    print("\nper workload: firing, counts, threads, memory")
    for w in report["workloads"]:
        print(f"{w['workload']} {w['variant']:<7} T = {w['timesteps']:>2}, {w['images']} images, "
              f"{w['firing_fraction']:.1%} of possible spikes, {w['synops_per_image']:,.0f} synops/image; "
              f"counts equal: {w['counts_equal']}; 2 vs 1 thread {w['thread_scaling']:.2f}x; "
              f"peak {w['neurocost']['peak_rss_mb']:.0f} MB (budget {w['memory_budget_mb']:.0f} MB)")
        for kind, t in w.get("tracing", {}).items():
            print(f"  --trace {kind} ({w['tracing_images']} images): {t['spikes_recorded']:,} spikes, {t['file_bytes'] / t['spikes_recorded']:.2f} bytes "
                  f"each on disk; simulation {t['seconds_off']:.2f} -> {t['seconds_on']:.2f} s ({t['overhead']:+.1%}), "
                  f"process wall {t['wall_seconds_off']:.2f} -> {t['wall_seconds_on']:.2f} s ({t['wall_overhead']:+.1%}); "
                  f"peak {t['peak_rss_mb']:.0f} MB")
        if "memory_vs_images" in w:
            print("  peak memory by images: " + ", ".join(f"{k} images {v:.0f} MB" for k, v in w["memory_vs_images"].items()))
    if report["sweep"]["points"]:
        print(f"\nactivity sweep (workload A, {report['sweep']['images']} images, {report['threads']} threads)")
    for variant, f in report["sweep"]["fit"].items():
        print(f"  {variant:<6} time/image = {f['ns_per_synop']:.3f} ns x synops + {f['ns_per_neuron_update']:.3f} ns x "
              f"neuron updates; R^2 = {f['r_squared']:.4f}, largest residual {f['max_relative_residual']:.1%}")
    for p in report["sweep"]["points"]:
        print(f"  {p['variant']:<6} target {p['target_rate']:>5.1%}: fired {p['firing_fraction']:.1%}, "
              f"{p['synops_per_image']:>13,.0f} synops, {p['seconds_per_image'] * 1e3:7.2f} ms/image")
    for variant, t in report.get("startup", {}).items():
        print(f"start-up, workload A {variant}, {t['samples']} samples: {t['wall_seconds']:.3f} s wall "
              f"({t['cpu_seconds']:.3f} s CPU), median of {len(t['all_wall_seconds'])} runs")
    print("\ntargets")
    for w in report["workloads"]:
        goal = TARGETS["sparse_ratio"] if w["variant"] == "sparse" else TARGETS["dense_ratio"]
        print(f"  {w['workload']} {w['variant']:<6} NeuroCost/PyTorch {w['ratio']:6.2f}x simulation, "
              f"{w['ratio_whole_process']:6.2f}x whole process (>= {goal:g}x: "
              f"{'met' if w['ratio'] >= goal else 'NOT met'}, {'met' if w['ratio_whole_process'] >= goal else 'NOT met'}); threads {w['thread_scaling']:.2f}x "
              f"({'met' if w['thread_scaling'] >= TARGETS['thread_scaling'] else 'NOT met'}); memory "
              f"{'met' if w['neurocost']['peak_rss_mb'] <= w['memory_budget_mb'] else 'NOT met'}")
        for kind, t in w.get("tracing", {}).items():
            o = t["overhead"]
            goal = TARGETS["tracing_overhead"][kind]
            print(f"  tracing ({kind}) overhead {o:+.1%} (<= {goal:.0%}: {'met' if o <= goal else 'NOT met'})")
    for variant, t in report.get("startup", {}).items():
        goal = t["target_seconds"]
        print(f"  start-up {variant:<6} {t['wall_seconds']:.3f} s (<= {goal:g} s: "
              f"{'met' if t['wall_seconds'] <= goal else 'NOT met'})")


if __name__ == "__main__":
    main()
