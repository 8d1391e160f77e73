"""The reader against results files the CLI has just written, checked against the raw HDF5 and against each other."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pandas as pd
import pytest

import neurocost


def test_counts_are_the_files_integers_with_named_coordinates(run_path):
    r = neurocost.open(run_path)
    with h5py.File(run_path) as f:
        names = [str(n) for n in f["layers/names"].asstr()[...]]
        raw = f["counts/synops"][...]
        T = int(f.attrs["timesteps"])
    c = r.counts
    assert list(c["synops"].coords["layer"].values) == names
    assert c.sizes == {"timestep": T, "layer": len(names)}
    np.testing.assert_array_equal(c["synops"].values, raw)
    assert c["spikes"].dtype == np.int64
    assert c["synops"].attrs["units"]


def test_per_sample_sums_to_counts_and_per_step_sums_to_per_sample(run_path):
    r = neurocost.open(run_path)
    for metric in r.counts.data_vars:
        np.testing.assert_array_equal(r.per_sample[metric].sum("sample").values, r.counts[metric].sum("timestep").values)
        np.testing.assert_array_equal(r.per_sample_step[metric].sum("timestep").values, r.per_sample[metric].values)
    assert r.per_sample.sizes["sample"] == 20


def test_accuracy_is_numbered_by_steps_simulated_and_matches_predictions(run_path):
    r = neurocost.open(run_path)
    acc = r.accuracy
    assert list(acc.index) == list(range(1, r.timesteps + 1))
    p = r.predictions
    assert acc.loc[r.timesteps] == pytest.approx((p["label"] == p["prediction"]).mean(), abs=0)


def test_energy_by_layer_and_component(run_path):
    r = neurocost.open(run_path)
    assert r.profiles == ["horowitz-45nm-fp32", "horowitz-45nm-int8"]
    e = r.energy("horowitz-45nm-fp32")
    assert list(e.index) == r.layers
    with h5py.File(run_path) as f:
        np.testing.assert_array_equal(e.values, f["energy/horowitz-45nm-fp32/by_layer_picojoules"][...])
        totals = f["energy/horowitz-45nm-fp32/totals_picojoules"][...]
    # static energy is not a layer's; every other component's total is the sum over layers
    assert e.sum().drop("static").to_numpy() == pytest.approx(np.delete(totals, list(e.columns).index("static")))
    per_sample = r.energy_per_sample("horowitz-45nm-fp32")
    assert list(per_sample.index) == list(r.samples)
    with pytest.raises(neurocost.ResultsFileError, match="name a profile"):
        r.energy()
    with pytest.raises(neurocost.ResultsFileError, match="no energy for profile 'loihi'"):
        r.energy("loihi")


def test_raster_agrees_with_spike_counts(run_path):
    r = neurocost.open(run_path)
    assert r.traced_nodes
    for node in r.traced_nodes:
        total = sum(r.raster(node, int(s)).sum(axis=1).astype(np.int64) for s in r.samples)
        np.testing.assert_array_equal(total, r.counts["spikes"].sel(layer=node).values)


def test_events_and_raster_formats_give_the_same_spikes(run_path, events_path):
    raster_run, events_run = neurocost.open(run_path), neurocost.open(events_path)
    assert list(events_run.samples) == list(range(5, 20))
    for node in events_run.traced_nodes:
        for sample in (5, 11, 19):
            np.testing.assert_array_equal(events_run.raster(node, sample), raster_run.raster(node, sample))
            a, b = events_run.spikes(node, sample), raster_run.spikes(node, sample)
            np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
            assert len(a) == int(events_run.per_sample["spikes"].sel(sample=sample, layer=node))


def test_membrane_potentials(run_path):
    r = neurocost.open(run_path)
    v = r.membrane("if3", 4)
    with h5py.File(run_path) as f:
        np.testing.assert_array_equal(v.values, f["traces/v/if3/values"][4])
        np.testing.assert_array_equal(v.coords["neuron"].values, f["traces/v/if3/neurons"][...])
    with pytest.raises(neurocost.ResultsFileError, match="no potentials recorded for 'if1'"):
        r.membrane("if1", 0)


def test_conventions_and_provenance(run_path):
    r = neurocost.open(run_path)
    conventions = r.conventions
    with h5py.File(run_path) as f:
        np.testing.assert_array_equal(conventions["syops_counter"]["synops"].values, f["conventions/syops_counter/synops"][...])
        assert r.provenance["network_sha256"] == f.attrs["network_sha256"]
    assert conventions["syops_counter"].attrs["source"]


def test_errors_name_the_problem(run_path, events_path, tmp_path):
    r = neurocost.open(events_path)
    with pytest.raises(neurocost.ResultsFileError, match="sample 2 is not in this file"):
        r.raster(r.traced_nodes[0], 2)
    with pytest.raises(neurocost.TraceError, match="'conv1' was not traced"):
        r.spikes("conv1", 5)
    with pytest.raises(neurocost.ResultsFileError, match="no /counts/per_sample_step"):
        r.per_sample_step
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    with pytest.raises(neurocost.ResultsFileError, match="not a NeuroCost results file"):
        neurocost.open(other)
    (tmp_path / "text.h5").write_text("no")
    with pytest.raises(neurocost.ResultsFileError, match="cannot be opened"):
        neurocost.open(tmp_path / "text.h5")


def test_step_start_indexes_each_samples_steps(events_path):
    r = neurocost.open(events_path)
    T = r.timesteps
    with h5py.File(events_path) as f:
        for node in r.traced_nodes:
            group = f[f"traces/spikes/{node}"]
            assert "sample" not in group and "step" not in group  # implied by step_start (schema 5)
            neurons = int(np.prod(group.attrs["shape"]))
            assert group["neuron"].dtype == (np.uint16 if neurons <= 65536 else np.uint32)
            assert group["neuron"].compression is None and not group["neuron"].shuffle
            step_start = group["step_start"][...]
            start = group["sample_start"][...]
            assert len(step_start) == len(r.samples) * T + 1 and step_start[0] == 0
            assert step_start[-1] == group["neuron"].shape[0] and np.all(np.diff(step_start) >= 0)
            np.testing.assert_array_equal(start, step_start[::T])
            # within a step, neurons ascend (the order the engine lists them in)
            neuron = group["neuron"][...].astype(np.int64)
            for row in range(len(step_start) - 1):
                within = neuron[step_start[row]:step_start[row + 1]]
                assert np.all(np.diff(within) >= 0)


def test_schema_4_event_columns_still_read(events_path, tmp_path):
    """Files written before schema 5 hold int32 sample/step/neuron columns: the reader gives the same spikes."""
    old = tmp_path / "schema4.h5"
    shutil.copy(events_path, old)
    r = neurocost.open(events_path)
    T = r.timesteps
    with h5py.File(old, "r+") as f:
        for node in r.traced_nodes:
            group = f[f"traces/spikes/{node}"]
            rows = np.diff(group["step_start"][...])
            sample_step = np.repeat(np.arange(len(rows)), rows)
            neuron = group["neuron"][...].astype(np.int32)
            for name in ("neuron", "step_start", "sample_start"):
                del group[name]
            group["sample"], group["step"], group["neuron"] = (sample_step // T).astype(np.int32), (sample_step % T).astype(np.int32), neuron
    for node in r.traced_nodes:
        for sample in (int(r.samples[0]), int(r.samples[-1])):
            pd.testing.assert_frame_equal(neurocost.open(old).spikes(node, sample), r.spikes(node, sample))
            np.testing.assert_array_equal(neurocost.open(old).raster(node, sample), r.raster(node, sample))
