"""Shards written by `run --shard I/K`, merged, against one run of the same samples: equal in every count, bit for bit."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import xarray

import neurocost
from neurocost.merge import MergeError, merge

from conftest import REPO

NETWORK = str(REPO / "Datasets/networks/digits-snn-sparse90.nir")

RUN = ("run", "--encoding", "poisson", "--seed", "7", "--profile", "horowitz-45nm-fp32", "--profile", "horowitz-45nm-int8",
       "--per-step-counts", "--record-v", "if3", "--offset", "10", "--limit", "23", "--quiet")


def _integer_datasets(path: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    with h5py.File(path) as f:
        def visit(name: str, item: object) -> None:
            if (isinstance(item, h5py.Dataset) and item.dtype.kind in "iu" and not name.startswith("energy")
                    and not neurocost.is_scale(item)):
                out[name] = item[...]
        f.visititems(visit)
    return out


@pytest.fixture(scope="module", params=["spikes", "raster"])
def shards_and_single(request, cli, tmp_path_factory):
    trace = request.param
    directory = tmp_path_factory.mktemp(f"merge-{trace}")
    single = directory / "single.h5"
    cli(*RUN, "--trace", trace, "--out", str(single))
    shards = []
    for index in range(4):
        path = directory / f"shard-{index}.h5"
        cli(*RUN, "--trace", trace, "--shard", f"{index}/4", "--threads", "1", "--out", str(path))
        shards.append(str(path))
    return str(single), shards, directory


def test_shards_are_balanced_and_recorded(shards_and_single):
    _, shards, _ = shards_and_single
    ranges = []
    for index, path in enumerate(shards):
        with h5py.File(path) as f:
            assert (int(f.attrs["shard_index"]), int(f.attrs["shard_count"])) == (index, 4)
            ranges.append((int(f.attrs["sample_offset"]), int(f.attrs["samples"])))
            assert len(f.attrs["data_sha256"]) == 64
    sizes = [n for _, n in ranges]
    assert sum(sizes) == 23 and max(sizes) - min(sizes) <= 1
    assert [o for o, _ in ranges] == [10, 10 + sizes[0], 10 + sum(sizes[:2]), 10 + sum(sizes[:3])]


def test_merged_equals_single_run(shards_and_single, cli):
    single, shards, directory = shards_and_single
    merged = merge(directory / "merged.h5", list(reversed(shards)), force=True, network=NETWORK)
    expected, got = _integer_datasets(single), _integer_datasets(merged)
    assert sorted(got) == sorted(expected)  # sample_start included: the merge rebuilds what a single run writes
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)
        assert got[name].dtype == values.dtype, name  # the neuron column stays as narrow as a single run's
    with h5py.File(single) as a, h5py.File(merged) as b:
        np.testing.assert_array_equal(b["results/accuracy_by_timestep"][...], a["results/accuracy_by_timestep"][...])
        for trace in a.get("traces/v", {}):
            np.testing.assert_array_equal(b[f"traces/v/{trace}/values"][...], a[f"traces/v/{trace}/values"][...])
        for key in a["energy"]:
            for name in ("by_layer_picojoules", "per_sample_by_component_picojoules", "totals_picojoules"):
                np.testing.assert_allclose(b[f"energy/{key}/{name}"][...], a[f"energy/{key}/{name}"][...], rtol=0)
        for name in ("seed_eq12/accumulates", "neurobench/effective_acs"):
            np.testing.assert_array_equal(b[f"conventions/{name}"][...], a[f"conventions/{name}"][...])
        assert int(b.attrs["sample_offset"]) == 10 and int(b.attrs["samples"]) == 23
    counts = xarray.open_dataset(merged, group="counts", engine="h5netcdf")
    assert counts["synops"].dims == ("timestep", "layer") and list(counts["layer"].values) == neurocost.open(single).layers
    counts.close()
    one, many = neurocost.open(single), neurocost.open(merged)
    node = one.traced_nodes[0]
    for sample in (10, 21, 32):
        np.testing.assert_array_equal(many.raster(node, sample), one.raster(node, sample))


def test_refuses_gaps_overlaps_and_other_runs(shards_and_single, cli):
    single, shards, directory = shards_and_single
    with pytest.raises(MergeError, match="are in no shard"):
        merge(directory / "gap.h5", [shards[0], shards[2], shards[3]])
    gapped = neurocost.open(merge(directory / "gap.h5", [shards[0], shards[2], shards[3]], allow_gaps=True, force=True, network=NETWORK))
    with h5py.File(shards[1]) as f:
        missing = set(range(int(f.attrs["sample_offset"]), int(f.attrs["sample_offset"]) + int(f.attrs["samples"])))
    assert set(gapped.samples) == set(range(10, 33)) - missing
    with pytest.raises(MergeError, match="overlaps"):
        merge(directory / "overlap.h5", [single, shards[1]])
    other = directory / "other-seed.h5"
    cli("run", "--encoding", "poisson", "--seed", "8", "--profile", "horowitz-45nm-fp32", "--profile", "horowitz-45nm-int8",
        "--offset", "33", "--limit", "3", "--quiet", "--out", str(other), "--force")
    with pytest.raises(MergeError, match="seed is"):
        merge(directory / "other.h5", [single, str(other)])
    assert not (directory / "other.h5").exists() and not (directory / "other.h5.partial").exists()


def test_shard_and_thread_arguments_are_checked(tmp_path):
    import os
    import subprocess

    from conftest import cli_path

    def run(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(cli_path()), "run", "--limit", "3", "--quiet", "--out", str(tmp_path / "x.h5"), "--force",
                               *arguments], cwd=REPO, capture_output=True, text=True, env=env)

    assert run("--shard", "4/4").returncode == 64           # usage: I must be below K
    refused = run("--shard", "0/4")                         # 3 samples in 4 shards: the first gets none
    assert refused.returncode != 0 and "no samples" in refused.stderr
    bad = run(env={**os.environ, "NEUROCOST_THREADS": "0"})
    assert bad.returncode != 0 and "NEUROCOST_THREADS" in bad.stderr
    assert run(env={**os.environ, "NEUROCOST_THREADS": "1"}).returncode == 0


def test_cli_merge_subcommand_gives_the_same_file(shards_and_single):
    import subprocess

    from conftest import cli_path

    single, shards, directory = shards_and_single
    out = directory / "cli-merged.h5"
    done = subprocess.run([str(cli_path()), "merge", str(out), *shards, "--network", NETWORK, "--force"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    expected, got = _integer_datasets(single), _integer_datasets(str(out))
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)
    refused = subprocess.run([str(cli_path()), "merge", str(directory / "x.h5"), shards[0], shards[2], "--network", NETWORK],
                             cwd=REPO, capture_output=True, text=True)
    assert refused.returncode == 2 and "are in no shard" in refused.stderr


def test_neuromorphic_energy_with_router_hops_merges_exactly(cli, tmp_path):
    """loihi maps neurons to cores weighted by each neuron's spikes: summed per-neuron counts re-price exactly."""
    run = ("run", "--encoding", "poisson", "--profile", "loihi", "--limit", "40", "--quiet")
    cli(*run, "--out", str(tmp_path / "all.h5"))
    parts = [str(tmp_path / f"p{i}.h5") for i in range(3)]
    for i, path in enumerate(parts):
        cli(*run, "--shard", f"{i}/3", "--out", path)
    merged = merge(tmp_path / "merged.h5", parts, network=NETWORK)
    with h5py.File(tmp_path / "all.h5") as a, h5py.File(merged) as b:
        group = "energy/loihi"
        assert a[group].attrs["total_picojoules"] == b[group].attrs["total_picojoules"]
        for name in ("by_layer_picojoules", "per_sample_by_component_picojoules"):
            np.testing.assert_array_equal(b[f"{group}/{name}"][...], a[f"{group}/{name}"][...])
        np.testing.assert_array_equal(b["counts/spikes_per_neuron/if1"][...], a["counts/spikes_per_neuron/if1"][...])


def test_compare_shards_merge_to_a_single_compare_run(cli, tmp_path):
    """`compare --shard I/K` files merge to one compare run: every integer dataset (SNN, ANN view, baseline, each
    data file's runs) bit for bit, the root's energy re-priced exactly, accuracies recomputed exactly."""
    data = str(REPO / "Datasets/digits/digits-test.h5")
    compare = ("compare", "--limit", "17", "--profile", "horowitz-45nm-int8", "--data", data, "--data", data)
    single = str(tmp_path / "single.h5")
    cli(*compare, "--out", single)
    shards = []
    for index in range(3):
        shards.append(str(tmp_path / f"shard-{index}.h5"))
        cli(*compare, "--shard", f"{index}/3", "--out", shards[-1])
    with h5py.File(shards[1]) as f:
        assert (int(f.attrs["shard_index"]), int(f.attrs["shard_count"]), int(f.attrs["sample_offset"])) == (1, 3, 5)
        assert int(f["by_data/1"].attrs["sample_offset"]) == 5 and f["ann/counts/per_sample/macs"].shape[0] == 6
    merged = str(tmp_path / "merged.h5")
    cli("merge", merged, *reversed(shards))
    one, both = _integer_datasets(single), _integer_datasets(merged)
    assert set(one) == set(both) and any(name.startswith("by_data/1/baseline/counts") for name in one)
    for name in one:
        assert np.array_equal(one[name], both[name]), name
    with h5py.File(single) as f, h5py.File(merged) as g:
        for group in ("/", "ann", "baseline", "by_data/0/ann", "by_data/1/snn"):
            for attribute in ("accuracy", "spikes_per_sample", "synops_per_sample", "macs_per_sample"):
                if attribute in f[group].attrs:
                    assert f[group].attrs[attribute] == g[group].attrs[attribute], (group, attribute)
        assert np.array_equal(f["results/accuracy_by_timestep"][...], g["results/accuracy_by_timestep"][...])
        for name in ("by_layer_picojoules", "per_sample_total_picojoules"):
            assert np.array_equal(f[f"energy/horowitz-45nm-int8/{name}"][...], g[f"energy/horowitz-45nm-int8/{name}"][...])
        assert "energy" not in g["ann"] and "not merged" in g["ann"].attrs["energy"]
    with xarray.open_dataset(merged, group="by_data/1/baseline/counts/per_sample", engine="h5netcdf") as ds:
        assert list(ds["sample"].values) == list(range(17)) and ds["synops"].dims == ("sample", "layer")
