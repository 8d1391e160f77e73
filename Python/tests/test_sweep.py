"""Sweeps on the local backend and on a two-node Ray cluster, checked against single runs exactly, with failures."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import pandas as pd
import pytest

from conftest import REPO, cli_path, neurocost
from neurocost.sweep import sweep

NETWORK = "Datasets/networks/digits-snn-sparse90.nir"
SWEEP = f"""
networks: [{NETWORK}]
datasets: [Datasets/digits/digits-test.h5]
timesteps: [3, 6]
profiles: [horowitz-45nm-fp32, horowitz-45nm-int8]
encoding: [poisson]
seeds: [5]
samples_per_shard: 9
limit: 25
"""
KEYS = ["network", "dataset", "timesteps", "profile", "encoding", "seed"]


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "sweep.yaml"
    path.write_text(SWEEP)
    return path


@pytest.fixture(scope="module")
def single_runs(tmp_path_factory) -> dict[int, str]:
    """One unsharded run per T, as a user would run it without the launcher."""
    out = {}
    for t in (3, 6):
        path = tmp_path_factory.mktemp("single") / f"T{t}.h5"
        neurocost("run", NETWORK, "--timesteps", str(t), "--encoding", "poisson", "--seed", "5", "--limit", "25",
                  "--profile", "horowitz-45nm-fp32", "--profile", "horowitz-45nm-int8", "--quiet", "--out", str(path))
        out[t] = str(path)
    return out


def _check_against_single_runs(table: pd.DataFrame, single_runs: dict[int, str]) -> None:
    assert len(table) == 4 and set(table["timesteps"]) == {3, 6}
    for _, row in table.iterrows():
        with h5py.File(single_runs[row["timesteps"]]) as f:
            n = int(f.attrs["samples"])
            assert row["samples"] == n
            assert row["accuracy"] == f["results/accuracy_by_timestep"][-1]
            for metric in ("spikes", "synops", "macs"):
                assert row[f"{metric}_per_sample"] == int(f[f"counts/{metric}"][...].sum()) / n, metric
            assert row["energy_per_sample_picojoules"] == f[f"energy/{row['profile']}"].attrs["per_sample_picojoules"]
            assert row["network_sha256"] == f.attrs["network_sha256"]


def _in_repo(function, *arguments, **keywords):
    """Sweep paths are relative to the current directory: the repository root, as for the CLI."""
    here = os.getcwd()
    os.chdir(REPO)
    try:
        return function(*arguments, **keywords)
    finally:
        os.chdir(here)


def test_local_sweep_equals_single_runs(sweep_file, tmp_path, single_runs):
    table = _in_repo(sweep, str(sweep_file), tmp_path, backend="local", cli=str(cli_path()), jobs=2, quiet=True)
    _check_against_single_runs(table, single_runs)
    written = pd.read_csv(tmp_path / "results.csv")
    assert list(written.columns[:6]) == KEYS and len(written) == 4
    shards = sorted((tmp_path / "units").glob("*/shard-*.h5"))
    assert len(shards) == 3 and not list((tmp_path / "units").glob("*/*.partial"))

    # A killed shard leaves only its .partial; a deleted shard is gone: the same command resumes to the same table.
    shards[1].rename(str(shards[1]) + ".partial")
    shards[2].unlink()
    for derived in (tmp_path / "units").glob("*/*"):
        if derived.name.startswith(("merged", "priced")):
            derived.unlink()
    again = _in_repo(sweep, str(sweep_file), tmp_path, backend="local", cli=str(cli_path()), jobs=2, quiet=True)
    pd.testing.assert_frame_equal(again, table)
    assert shards[1].exists() and shards[2].exists()


def test_ray_two_node_sweep_equals_single_runs(sweep_file, tmp_path, single_runs):
    import ray
    from ray.cluster_utils import Cluster

    os.environ["RAY_AUTH_MODE"] = "disabled"
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    try:
        ray.init(address=cluster.address, log_to_driver=False)
        table = _in_repo(sweep, str(sweep_file), tmp_path, backend="ray", cli=str(cli_path()), quiet=True)
        nodes = {n["NodeID"] for n in ray.nodes() if n["Alive"]}
        assert len(nodes) == 2
    finally:
        ray.shutdown()
        cluster.shutdown()
    _check_against_single_runs(table, single_runs)


def test_slurm_scripts_run_shards_by_array_index(sweep_file, tmp_path):
    import subprocess
    import sys

    from neurocost.sweep import SweepError, Shard, load_sweep, plan, write_slurm

    units = _in_repo(lambda: plan(load_sweep(sweep_file)))
    shards = [Shard(u, i, str(tmp_path / f"shard-{i}.h5"), str(cli_path())) for u in units for i in range(u.shards)]
    array, merge_script = write_slurm(shards, tmp_path, str(sweep_file), str(cli_path()), submit=False)
    text = array.read_text()
    assert "#SBATCH --array=0-2" in text and "HDF5_USE_FILE_LOCKING=FALSE" in text
    assert "afterok" not in text and "--backend local" in merge_script.read_text()
    # what array task 1 runs
    done = subprocess.run([sys.executable, "-m", "neurocost.sweep", "--run-shard-line", "1", str(tmp_path / "slurm/shards.txt")],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "Python/src")})
    assert done.returncode == 0, done.stderr
    with h5py.File(tmp_path / "shard-1.h5") as f:
        assert (int(f.attrs["shard_index"]), int(f.attrs["shard_count"])) == (1, 3)
    if not __import__("shutil").which("sbatch"):
        with pytest.raises(SweepError, match="no sbatch on PATH"):
            write_slurm(shards, tmp_path, str(sweep_file), str(cli_path()), submit=True)


def test_slurm_backend_submits_an_array_then_an_afterok_merge(sweep_file, tmp_path, single_runs, monkeypatch):
    """No Slurm cluster here: a stand-in `sbatch` on PATH records what is submitted; running the array's tasks and
    then the merge job as Slurm would (one `SLURM_ARRAY_TASK_ID` each, the merge after all succeeded) must give
    the single runs' table."""
    import subprocess
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "sbatch.log"
    fake = bin_dir / "sbatch"
    fake.write_text(f'#!/bin/bash\necho "$@" >> {log}\necho "4242;fakecluster"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "out"
    table = _in_repo(sweep, str(sweep_file), out, backend="slurm", cli=str(cli_path()), quiet=True)
    assert table.empty  # the jobs do the work
    calls = log.read_text().splitlines()
    assert calls[0] == f"--parsable {out / 'slurm/shards.sbatch'}"
    assert calls[1] == f"--dependency=afterok:4242 {out / 'slurm/merge.sbatch'}"
    array = (out / "slurm/shards.sbatch").read_text()
    assert "#SBATCH --array=0-2" in array and "NEUROCOST_THREADS=$SLURM_CPUS_PER_TASK" in array
    for task in range(3):
        done = subprocess.run(["bash", str(out / "slurm/shards.sbatch")], cwd=REPO, capture_output=True, text=True,
                              env={**os.environ, "SLURM_ARRAY_TASK_ID": str(task), "SLURM_CPUS_PER_TASK": "1"})
        assert done.returncode == 0, done.stderr
    done = subprocess.run(["bash", str(out / "slurm/merge.sbatch")], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    _check_against_single_runs(pd.read_csv(out / "results.csv"), single_runs)
