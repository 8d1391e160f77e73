"""Files straight from `neurocost run`, `compare`, `price` and `merge` open in plain xarray (h5netcdf engine) with
named dimensions and coordinates: the CLI writes HDF5 dimension scales itself (no Python patching)."""

from __future__ import annotations

import h5py
import numpy as np
import xarray

LAYERS = ["conv1", "if1", "conv2", "if2", "fc1", "if3", "fc2"]


def _open(path: str, group: str) -> xarray.Dataset:
    return xarray.open_dataset(path, group=group, engine="h5netcdf", phony_dims="sort")


def _check_run(path: str, group: str, samples: np.ndarray, timesteps: int, profile: str) -> None:
    prefix = f"{group}/" if group else ""
    with _open(path, f"{prefix}counts") as ds:
        assert ds["synops"].dims == ("timestep", "layer")
        assert list(ds["layer"].values) == LAYERS
        assert list(ds["timestep"].values) == list(range(timesteps))
        assert ds["synops"].dtype == np.int64
    with _open(path, f"{prefix}counts/per_sample") as ds:
        assert ds["spikes"].dims == ("sample", "layer")
        assert list(ds["sample"].values) == list(samples)
        with h5py.File(path) as f:
            assert np.array_equal(ds["spikes"].values, f[f"{prefix}counts/per_sample/spikes"][...])
    with _open(path, f"{prefix}energy/{profile}") as ds:
        assert ds["by_layer_picojoules"].dims == ("layer", "component")
        assert ds["per_sample_by_component_picojoules"].dims == ("sample", "component")
        with h5py.File(path) as f:
            assert list(ds["component"].values) == list(f[f"{prefix}energy/{profile}/components"].asstr()[...])
    with _open(path, f"{prefix}conventions/neurobench") as ds:
        assert ds["effective_acs"].dims == ("sample", "layer")


def test_run_file_has_named_dimensions(cli, tmp_path):
    path = str(tmp_path / "run.h5")
    cli("run", "--offset", "7", "--limit", "9", "--per-step-counts", "--record-v", "if3:0,5,9", "--trace", "spikes",
        "--out", path, "--quiet")
    samples = np.arange(7, 16)
    _check_run(path, "", samples, 8, "horowitz-45nm-fp32")
    with _open(path, "counts/per_sample_step") as ds:
        assert ds["macs"].dims == ("sample", "timestep", "layer")
    with _open(path, "results") as ds:
        # predictions and accuracy are labelled by steps simulated: "after k steps", k = 1…T
        assert ds["accuracy_by_timestep"].dims == ("steps_simulated",)
        assert list(ds["steps_simulated"].values) == list(range(1, 9))
        assert ds["predictions_by_timestep"].dims == ("sample", "steps_simulated")
        assert list(ds["sample"].values) == list(samples)
    with _open(path, "layers") as ds:
        assert list(ds["names"].values) == LAYERS and ds["neurons"].dims == ("layer",)
    with _open(path, "traces/v/if3") as ds:
        assert ds["values"].dims == ("sample", "timestep", "neuron")
        assert list(ds["neuron"].values) == [0, 5, 9]


def test_compare_file_has_named_dimensions_in_every_run_group(cli, tmp_path):
    path = str(tmp_path / "compare.h5")
    cli("compare", "--limit", "6", "--profile", "horowitz-45nm-int8", "--out", path)
    for group, steps in [("", 8), ("ann", 1), ("baseline", 8), ("by_data/0/snn", 8), ("by_data/0/ann", 1)]:
        _check_run(path, group, np.arange(6), steps, "horowitz-45nm-int8")


def test_priced_file_has_named_dimensions(cli, tmp_path):
    run = str(tmp_path / "run.h5")
    cli("run", "--offset", "3", "--limit", "5", "--per-step-counts", "--out", run, "--quiet")
    priced = str(tmp_path / "priced.h5")
    cli("price", run, "--timesteps", "4", "--profile", "horowitz-45nm-int8", "--out", priced)
    with _open(priced, "counts/per_sample") as ds:
        assert ds["synops"].dims == ("sample", "layer") and list(ds["sample"].values) == [3, 4, 5, 6, 7]
    with _open(priced, "energy/horowitz-45nm-int8") as ds:
        assert ds["by_layer_picojoules"].dims == ("layer", "component")


def test_merged_file_has_the_same_dimensions_as_a_single_run(cli, tmp_path):
    single = str(tmp_path / "single.h5")
    cli("run", "--offset", "4", "--limit", "7", "--per-step-counts", "--out", single, "--quiet")
    shards = []
    for index in range(2):
        shards.append(str(tmp_path / f"shard-{index}.h5"))
        cli("run", "--offset", "4", "--limit", "7", "--per-step-counts", "--shard", f"{index}/2", "--out", shards[-1], "--quiet")
    merged = str(tmp_path / "merged.h5")
    cli("merge", merged, *shards)
    for group in ("counts", "counts/per_sample", "counts/per_sample_step", "results", "layers",
                  "energy/horowitz-45nm-fp32", "conventions/seed_eq12"):
        with _open(single, group) as one, _open(merged, group) as both:
            assert dict(one.sizes) == dict(both.sizes), group
            for name in one.variables:
                assert one[name].dims == both[name].dims, (group, name)
            for name in one.coords:
                assert np.array_equal(one[name].values, both[name].values), (group, name)


def test_scales_command_names_an_unscaled_files_dimensions(cli, tmp_path):
    path = str(tmp_path / "run.h5")
    cli("run", "--limit", "4", "--out", path, "--quiet")
    with h5py.File(path, "a") as f:  # an older file: no scales
        for group in ("counts", "counts/per_sample", "results", "layers"):
            for name in [k for k, v in f[group].items() if isinstance(v, h5py.Dataset)]:
                if name in ("sample", "timestep", "steps_simulated", "layer"):
                    del f[group][name]
                elif "DIMENSION_LIST" in f[group][name].attrs:
                    del f[group][name].attrs["DIMENSION_LIST"]
    with _open(path, "counts") as ds:
        assert ds["synops"].dims != ("timestep", "layer")  # anonymous phony dims
    cli("scales", path)
    with _open(path, "counts") as ds:
        assert ds["synops"].dims == ("timestep", "layer") and list(ds["layer"].values) == LAYERS
