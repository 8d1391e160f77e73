"""`neurocost-sweep SWEEP.yaml --backend local|ray|slurm --out DIR`: networks × data × T × profiles, one tidy table.

The sweep file (YAML)::

    networks: [Datasets/networks/digits-snn-sparse90.nir, Datasets/networks/digits-snn-dense.nir]
    datasets: [Datasets/digits/digits-test.h5]
    timesteps: [4, 8]
    profiles: [horowitz-45nm-fp32, horowitz-45nm-int8]
    encoding: [direct]          # or one name
    seeds: [0]                  # Poisson encoder seeds
    samples_per_shard: 100
    limit: 450                  # optional: the first samples of each data set only

The plan: one simulation per (network, dataset, encoding, seed) at the largest T, with `--per-step-counts`, split
into shards (`run --shard I/K`); the shards merged exactly (`neurocost.merge`); then `neurocost price --timesteps T`
for every T and profile, which needs no new simulation (a run at T contains every shorter one). The table
`DIR/results.csv` (and `results.parquet` when pyarrow is installed) has one row per (network, dataset, timesteps,
profile, encoding, seed).

Fault tolerance: each shard is written under `*.partial` and renamed when complete, so a present shard is complete
and is skipped; a shard that failed transiently is retried (`--retries`): killed by a signal, interrupted (130),
or a failed write (74); usage errors and bad input (64, 65, 66) and unclassified failures (1) are not, since the
same command fails the same way (docs/exit-codes.md). Running the same command again resumes. Paths in the sweep
file are relative to the current directory.

HDF5 file locking: on NFS, Lustre or GPFS, HDF5 may fail with "unable to lock file"; set
`HDF5_USE_FILE_LOCKING=FALSE` in the environment of every task (the local and Ray backends pass the launcher's
environment on; the Slurm script exports it).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from .merge import merge

__all__ = ["Shard", "SweepError", "Unit", "is_transient", "load_sweep", "plan", "run_shard", "sweep", "main"]

#: `neurocost` exit statuses (docs/exit-codes.md) after which running the same shard again may succeed: a failed
#: write (disk full, a lost network file system) and an interruption. A negative status (killed by a signal: the
#: OOM killer, a preempted node) or one above 128 (a shell's report of a signal) is retried too.
RETRYABLE_EXITS = frozenset({74, 130})


def is_transient(returncode: int) -> bool:
    """Whether a shard that exited with `returncode` is worth running again (see `RETRYABLE_EXITS`).

    >>> [is_transient(code) for code in (-9, 74, 130, 137, 1, 2, 64, 65, 66)]
    [True, True, True, True, False, False, False, False, False]
    """
    return returncode < 0 or returncode in RETRYABLE_EXITS or returncode > 128


class SweepError(RuntimeError):
    """A sweep file that is wrong, or a shard that failed for good (the message says which and why)."""


@dataclass(frozen=True)
class Unit:
    """One simulation: a network on a data set with an encoding and seed, at the largest T, in `shards` parts."""

    network: str
    dataset: str
    encoding: str
    seed: int
    timesteps: int
    samples: int
    shards: int
    profiles: tuple[str, ...]

    @property
    def name(self) -> str:
        """A directory name unique to the unit's inputs."""
        digest = hashlib.sha256(repr(asdict(self)).encode()).hexdigest()[:10]
        return f"{Path(self.network).stem}__{Path(self.dataset).stem}__{self.encoding}__s{self.seed}__T{self.timesteps}__{digest}"


@dataclass(frozen=True)
class Shard:
    """One `neurocost run --shard index/count` of a unit, written to `path`."""

    unit: Unit
    index: int
    path: str
    cli: str
    threads: int = 1
    retries: int = 2
    environment: dict[str, str] = field(default_factory=dict)

    def command(self, out: str) -> list[str]:
        u = self.unit
        command = [self.cli, "run", u.network, "--data", u.dataset, "--timesteps", str(u.timesteps), "--encoding", u.encoding,
                   "--seed", str(u.seed), "--limit", str(u.samples), "--shard", f"{self.index}/{u.shards}",
                   "--per-step-counts", "--threads", str(self.threads), "--quiet", "--force", "--out", out]
        for profile in u.profiles:
            command += ["--profile", profile]
        return command


def run_shard(shard: Shard) -> str:
    """Run one shard unless its file is present; retry transient failures (`is_transient`). Returns its path."""
    if os.path.exists(shard.path):
        return shard.path
    partial = shard.path + ".partial"
    environment = {**os.environ, **shard.environment}
    error = ""
    for _ in range(shard.retries + 1):
        done = subprocess.run(shard.command(partial), capture_output=True, text=True, env=environment)
        if done.returncode == 0:
            os.replace(partial, shard.path)
            return shard.path
        error = f"exit {done.returncode}: {done.stderr.strip()}"
        if not is_transient(done.returncode):
            break
    raise SweepError(f"shard {shard.index}/{shard.unit.shards} of {shard.unit.name} failed: {error}")


def _list(value: object, name: str) -> list:
    if value is None:
        raise SweepError(f"sweep file: '{name}' is missing")
    return list(value) if isinstance(value, (list, tuple)) else [value]


def load_sweep(path: str | os.PathLike[str]) -> dict:
    """The sweep file as a dict with every key checked and lists normalised."""
    import yaml

    with open(path) as handle:
        spec = yaml.safe_load(handle) or {}
    known = {"networks", "datasets", "timesteps", "profiles", "encoding", "seeds", "samples_per_shard", "limit"}
    if unknown := set(spec) - known:
        raise SweepError(f"{path}: unknown keys {sorted(unknown)} (known: {sorted(known)})")
    out = {
        "networks": [str(Path(p).resolve()) for p in _list(spec.get("networks"), "networks")],
        "datasets": [str(Path(p).resolve()) for p in _list(spec.get("datasets"), "datasets")],
        "timesteps": sorted({int(t) for t in _list(spec.get("timesteps"), "timesteps")}),
        "profiles": [str(p) for p in _list(spec.get("profiles", ["horowitz-45nm-fp32"]), "profiles")],
        "encoding": [str(e) for e in _list(spec.get("encoding", "direct"), "encoding")],
        "seeds": [int(s) for s in _list(spec.get("seeds", 0), "seeds")],
        "samples_per_shard": int(spec.get("samples_per_shard", 1000)),
        "limit": int(spec["limit"]) if spec.get("limit") is not None else None,
    }
    for p in out["networks"] + out["datasets"]:
        if not os.path.exists(p):
            raise SweepError(f"{path}: {p}: no such file")
    if out["samples_per_shard"] < 1 or min(out["timesteps"]) < 1:
        raise SweepError(f"{path}: samples_per_shard and timesteps must be at least 1")
    return out


def _sample_count(dataset: str, encoding: str) -> int:
    with h5py.File(dataset, "r") as f:
        key = "spikes" if encoding == "spikes" and "spikes" in f else "images"
        return int(f[key].shape[0])


def plan(spec: dict) -> list[Unit]:
    """One unit per (network, dataset, encoding, seed), at the largest T."""
    units = []
    for network, dataset, encoding, seed in itertools.product(spec["networks"], spec["datasets"], spec["encoding"], spec["seeds"]):
        samples = _sample_count(dataset, encoding)
        if spec["limit"] is not None:
            samples = min(samples, spec["limit"])
        shards = max(1, math.ceil(samples / spec["samples_per_shard"]))
        units.append(Unit(network, dataset, encoding, seed, max(spec["timesteps"]), samples, shards, tuple(spec["profiles"])))
    return units


def _rows(unit: Unit, merged: str, timesteps: Sequence[int], cli: str, directory: Path) -> list[dict]:
    rows = []
    with h5py.File(merged, "r") as f:
        n = int(f.attrs["samples"])
        accuracy = f["results/accuracy_by_timestep"][...] if "results/accuracy_by_timestep" in f else None
        steps = {m: f[f"counts/per_sample_step/{m}"][...] for m in ("spikes", "synops", "macs")}
        network_sha = f.attrs["network_sha256"]
    for t in timesteps:
        priced = directory / f"priced-T{t}.h5"
        if not priced.exists():
            command = [cli, "price", merged, "--timesteps", str(t), "--network", unit.network, "--out", str(priced) + ".partial", "--force"]
            for profile in unit.profiles:
                command += ["--profile", profile]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise SweepError(f"pricing {merged} at T={t} failed: {done.stderr.strip()}")
            os.replace(str(priced) + ".partial", priced)
        with h5py.File(priced, "r") as p:
            conventions = {
                "seed_eq12_accumulates_per_sample": p["conventions/seed_eq12/accumulates"][...].sum() / n,
                "syops_counter_synops_per_sample": int(p["conventions/syops_counter/synops"][...].sum()) / n,
                "neurobench_effective_acs_per_sample": int(p["conventions/neurobench/effective_acs"][...].sum()) / n,
                "neurobench_effective_macs_per_sample": int(p["conventions/neurobench/effective_macs"][...].sum()) / n,
            }
            for key, group in p["energy"].items():
                unavailable = group.attrs.get("unavailable")
                rows.append({
                    "network": Path(unit.network).name, "dataset": Path(unit.dataset).name, "timesteps": t,
                    "profile": key, "encoding": unit.encoding, "seed": unit.seed, "samples": n,
                    "accuracy": float(accuracy[t - 1]) if accuracy is not None else np.nan,
                    "spikes_per_sample": int(steps["spikes"][:, :t].sum()) / n,
                    "synops_per_sample": int(steps["synops"][:, :t].sum()) / n,
                    "macs_per_sample": int(steps["macs"][:, :t].sum()) / n,
                    "energy_per_sample_picojoules": float(group.attrs["per_sample_picojoules"]) if unavailable is None else np.nan,
                    "syops_counter_picojoules_per_sample": float(group.attrs.get("syops_counter_picojoules", np.nan)) / n,
                    "seed_eq12_picojoules_per_sample": float(group.attrs.get("seed_eq12_picojoules", np.nan)) / n,
                    **conventions,
                    "unavailable": str(unavailable) if unavailable is not None else "",
                    "network_sha256": network_sha,
                })
    return rows


Executor = Callable[[list[Shard], Callable[[int], None]], list[str]]


def local_executor(jobs: int) -> Executor:
    """Shards as subprocesses under a thread pool of `jobs` workers."""
    def execute(shards: list[Shard], progress: Callable[[int], None]) -> list[str]:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_shard, s) for s in shards]
            for done, future in enumerate(as_completed(futures), 1):
                future.result()
                progress(done)
        return [s.path for s in shards]
    return execute


def ray_executor(address: str | None, threads: int = 1) -> Executor:
    """Shards as Ray tasks (`threads` CPUs each, as many threads as the shard runs) on the cluster at `address` (or `RAY_ADDRESS`), else a local one."""
    # Ray's token authentication (the default in recent versions) stops a second node joining an unauthenticated
    # head; say which mode is meant rather than inherit a version's default.
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray

    if not ray.is_initialized():
        ray.init(address=address or os.environ.get("RAY_ADDRESS"), log_to_driver=False)
    remote = ray.remote(num_cpus=threads, max_retries=2)(run_shard)

    def execute(shards: list[Shard], progress: Callable[[int], None]) -> list[str]:
        pending = [remote.remote(s) for s in shards]
        done = 0
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            ray.get(ready)
            done += 1
            progress(done)
        return [s.path for s in shards]
    return execute


SLURM_SHARD = """#!/bin/bash
#SBATCH --job-name=neurocost-shards
#SBATCH --array=0-{last}
#SBATCH --cpus-per-task={threads}
#SBATCH --output={out}/slurm/shard-%a.log
# One line of {out}/slurm/shards.txt per array task: the shard's command. Written by neurocost-sweep.
export HDF5_USE_FILE_LOCKING=FALSE   # NFS/Lustre/GPFS cannot always lock; shards write distinct files
export NEUROCOST_THREADS=$SLURM_CPUS_PER_TASK
exec {python} -m neurocost.sweep --run-shard-line "$SLURM_ARRAY_TASK_ID" {out}/slurm/shards.txt
"""

SLURM_MERGE = """#!/bin/bash
#SBATCH --job-name=neurocost-merge
#SBATCH --output={out}/slurm/merge.log
export HDF5_USE_FILE_LOCKING=FALSE
exec {python} -m neurocost.sweep {sweep} --backend local --out {out} --cli {cli}
"""


def write_slurm(shards: list[Shard], out: Path, sweep_file: str, cli: str, submit: bool) -> list[Path]:
    """Write the job-array and merge scripts; with `submit`, sbatch them (merge `--dependency=afterok`)."""
    import json
    import shlex

    directory = out / "slurm"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "shards.txt").write_text("".join(json.dumps(asdict(s)) + "\n" for s in shards))
    python = shlex.quote(sys.executable)
    array = directory / "shards.sbatch"
    array.write_text(SLURM_SHARD.format(last=len(shards) - 1, threads=shards[0].threads if shards else 1, out=out, python=python))
    merge_script = directory / "merge.sbatch"
    merge_script.write_text(SLURM_MERGE.format(out=out, python=python, sweep=shlex.quote(str(Path(sweep_file).resolve())), cli=shlex.quote(cli)))
    if submit:
        if shutil.which("sbatch") is None:
            raise SweepError(f"no sbatch on PATH: the scripts are in {directory}; submit shards.sbatch, then merge.sbatch "
                             f"with --dependency=afterok:<its job id>")
        job = subprocess.run(["sbatch", "--parsable", str(array)], capture_output=True, text=True, check=True).stdout.strip().split(";")[0]
        subprocess.run(["sbatch", f"--dependency=afterok:{job}", str(merge_script)], check=True)
    return [array, merge_script]


def sweep(sweep_file: str, out: str | os.PathLike[str], *, backend: str = "local", cli: str | None = None, jobs: int | None = None,
          threads: int = 1, retries: int = 2, address: str | None = None, quiet: bool = False) -> pd.DataFrame:
    """Run (or resume) a sweep and return its table, also written to `out/results.csv` (and `.parquet`)."""
    spec = load_sweep(sweep_file)
    binary = str(Path(cli or os.environ.get("NEUROCOST_CLI") or "neurocost").resolve()) if (cli or os.environ.get("NEUROCOST_CLI")) else "neurocost"
    root = Path(out).resolve()
    units = plan(spec)
    shards = [Shard(u, i, str(root / "units" / u.name / f"shard-{i:04d}-of-{u.shards:04d}.h5"), binary, threads, retries)
              for u in units for i in range(u.shards)]
    for u in units:
        (root / "units" / u.name).mkdir(parents=True, exist_ok=True)
    if backend == "slurm":
        write_slurm(shards, root, sweep_file, binary, submit=True)
        return pd.DataFrame()
    started = time.monotonic()

    def progress(done: int) -> None:
        if not quiet:
            print(f"\rshards done {done}/{len(shards)}  ({time.monotonic() - started:.1f} s)", end="", file=sys.stderr, flush=True)

    executor = {"local": lambda: local_executor(jobs or os.cpu_count() or 1), "ray": lambda: ray_executor(address, threads)}
    if backend not in executor:
        raise SweepError(f"--backend {backend}: one of local, ray, slurm")
    executor[backend]()(shards, progress)
    if not quiet:
        print(file=sys.stderr)
    rows = []
    for u in units:
        directory = root / "units" / u.name
        merged = directory / "merged.h5"
        if not merged.exists():
            merge(merged, [s.path for s in shards if s.unit == u], cli=binary, network=u.network)
        rows += _rows(u, str(merged), spec["timesteps"], binary, directory)
    table = pd.DataFrame(rows)
    table.to_csv(root / "results.csv", index=False)
    try:
        table.to_parquet(root / "results.parquet", index=False)
    except ImportError:
        pass
    return table


def _run_shard_line(index: int, path: str) -> int:
    import json

    line = Path(path).read_text().splitlines()[index]
    record = json.loads(line)
    record["unit"] = Unit(**{**record["unit"], "profiles": tuple(record["unit"]["profiles"])})
    run_shard(Shard(**record))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The `neurocost-sweep` command. Exit 0 done, 2 a bad sweep file or a shard that failed for good."""
    parser = argparse.ArgumentParser(prog="neurocost-sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep", nargs="?")
    parser.add_argument("--backend", default="local", choices=["local", "ray", "slurm"])
    parser.add_argument("--out", default="neurocost-sweep")
    parser.add_argument("--cli", help="the neurocost binary (default: $NEUROCOST_CLI, else on PATH)")
    parser.add_argument("--jobs", type=int, help="local backend: shards at once (default: cores)")
    parser.add_argument("--threads", type=int, default=1, help="threads per shard (default 1)")
    parser.add_argument("--retries", type=int, default=2)
    parser.add_argument("--address", help="ray backend: the cluster (default: RAY_ADDRESS, else a local one)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--run-shard-line", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    try:
        if arguments.run_shard_line is not None:
            return _run_shard_line(arguments.run_shard_line, arguments.sweep)
        if not arguments.sweep:
            parser.error("SWEEP.yaml is required")
        table = sweep(arguments.sweep, arguments.out, backend=arguments.backend, cli=arguments.cli, jobs=arguments.jobs,
                      threads=arguments.threads, retries=arguments.retries, address=arguments.address, quiet=arguments.quiet)
    except SweepError as error:
        print(f"neurocost-sweep: {error}", file=sys.stderr)
        return 2
    if not arguments.quiet and len(table):
        print(f"{len(table)} rows: {Path(arguments.out) / 'results.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
