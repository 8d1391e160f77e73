"""The results object `neurocost.open` returns: one NeuroCost results file as xarray and pandas.

The layout it reads is `docs/results-schema.md`. Counts stay exact integers (int64); energies are picojoules
(float64). Samples are numbered as in the data file (the run's `sample_offset` added), so the shards of one
data set line up.

The doctests use `run_path`, a results file the test suite has just written with the CLI
(`neurocost run --limit 20 --trace raster --record-v if3 …`):

>>> import neurocost
>>> r = neurocost.open(run_path)
>>> r.counts["synops"].dims
('timestep', 'layer')
>>> int(r.counts["spikes"].sum()) == int(r.per_sample["spikes"].sum())
True
>>> r.accuracy.index.name
'steps_simulated'
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from typing import Any

import h5py
import numpy as np
import pandas as pd
import xarray as xr

from .traces import SpikeTrace

__all__ = ["Results", "ResultsFileError", "is_scale", "open"]


def is_scale(item: object) -> bool:
    """True for an HDF5 dimension-scale dataset (a coordinate such as `layer` or `sample`, not a metric)."""
    if not isinstance(item, h5py.Dataset):
        return False
    value = item.attrs.get("CLASS")
    return (value.decode() if isinstance(value, bytes) else value) == "DIMENSION_SCALE"


class ResultsFileError(ValueError):
    """A file that is not a NeuroCost results file, or lacks what was asked of it (the message says which)."""


def _text(value: Any) -> Any:
    """An HDF5 attribute as a plain Python value (bytes decoded, 0-d arrays unwrapped)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in ("O", "S"):
            return [v.decode("utf-8") if isinstance(v, bytes) else v for v in value.tolist()]
        return value.tolist() if value.ndim else value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _strings(dataset: h5py.Dataset) -> list[str]:
    return [str(s) for s in dataset.asstr()[...]]


@dataclass(frozen=True)
class Results:
    """One results file, read lazily. Use `neurocost.open(path)`; each property reads the file when asked."""

    path: str

    # -- layout ---------------------------------------------------------------------------------------------

    def _file(self) -> h5py.File:
        return h5py.File(self.path, "r")

    @property
    def provenance(self) -> dict[str, Any]:
        """Every root attribute (network and data files and hashes, versions, options, sample range).

        >>> neurocost.open(run_path).provenance["encoding"]
        'poisson'
        """
        with self._file() as f:
            return {key: _text(value) for key, value in f.attrs.items()}

    @property
    def layers(self) -> list[str]:
        """Layer names (nodes that do work) in topological order: the `layer` coordinate."""
        with self._file() as f:
            return _strings(f["layers/names"])

    @property
    def layer_kinds(self) -> list[str]:
        """Each layer's NIR node type (`Conv2d`, `IF`, `Affine` …), in the order of `layers`.

        >>> neurocost.open(run_path).layer_kinds[:2]
        ['Conv2d', 'IF']
        """
        with self._file() as f:
            return _strings(f["layers/kinds"])

    @property
    def samples(self) -> np.ndarray:
        """The data file's index of every sample in the file: the `sample` coordinate.

        >>> r = neurocost.open(run_path)
        >>> r.samples[:3].tolist(), len(r.samples) == r.provenance["samples"]
        ([0, 1, 2], True)
        """
        with self._file() as f:
            if "results/sample_index" in f:
                return np.asarray(f["results/sample_index"][...], dtype=np.int64)
            return np.arange(int(f.attrs["samples"]), dtype=np.int64) + int(f.attrs.get("sample_offset", 0))

    @property
    def timesteps(self) -> int:
        """T, the steps every sample was simulated."""
        return int(self.provenance["timesteps"])

    # -- counts ---------------------------------------------------------------------------------------------

    def _count_group(self, f: h5py.File, group: str, dims: tuple[str, ...], coords: dict[str, Any]) -> xr.Dataset:
        variables = {}
        for name, item in f[group].items():
            if isinstance(item, h5py.Dataset) and not is_scale(item):
                attrs = {key: _text(value) for key, value in item.attrs.items()
                         if key in ("units", "normalization")}
                variables[name] = xr.DataArray(item[...], dims=dims, attrs=attrs)
        return xr.Dataset(variables, coords=coords)

    @property
    def counts(self) -> xr.Dataset:
        """Every count summed over samples, dims `("timestep", "layer")`, int64; timestep numbered 0…T−1.

        >>> c = neurocost.open(run_path).counts
        >>> sorted(c.data_vars)[:3], str(c["synops"].dtype)
        (['active_neuron_updates', 'bias_adds', 'macs'], 'int64')
        """
        with self._file() as f:
            coords = {"timestep": np.arange(int(f.attrs["timesteps"])), "layer": _strings(f["layers/names"])}
            return self._count_group(f, "counts", ("timestep", "layer"), coords)

    @property
    def per_sample(self) -> xr.Dataset:
        """Every count of each sample summed over steps, dims `("sample", "layer")`; sample = data-file index."""
        with self._file() as f:
            coords = {"sample": self.samples, "layer": _strings(f["layers/names"])}
            return self._count_group(f, "counts/per_sample", ("sample", "layer"), coords)

    @property
    def per_sample_step(self) -> xr.Dataset:
        """Per sample and step (`run --per-step-counts`), dims `("sample", "timestep", "layer")`."""
        with self._file() as f:
            if "counts/per_sample_step" not in f:
                raise ResultsFileError(f"{self.path}: no /counts/per_sample_step (run with --per-step-counts)")
            coords = {"sample": self.samples, "timestep": np.arange(int(f.attrs["timesteps"])),
                      "layer": _strings(f["layers/names"])}
            return self._count_group(f, "counts/per_sample_step", ("sample", "timestep", "layer"), coords)

    # -- results --------------------------------------------------------------------------------------------

    @property
    def accuracy(self) -> pd.Series:
        """Fraction correct after each number of steps simulated, indexed 1…T (the last entry: the run's accuracy).

        >>> acc = neurocost.open(run_path).accuracy
        >>> int(acc.index[0]), int(acc.index[-1]) == len(acc)
        (1, True)
        """
        with self._file() as f:
            if "results/accuracy_by_timestep" not in f:
                raise ResultsFileError(f"{self.path}: no accuracy (the data file has no labels)")
            values = f["results/accuracy_by_timestep"][...]
        return pd.Series(values, index=pd.Index(np.arange(1, len(values) + 1), name="steps_simulated"),
                         name="accuracy")

    @property
    def predictions(self) -> pd.DataFrame:
        """Per sample (data-file index): `label` (when the data has labels) and `prediction` after the last step."""
        with self._file() as f:
            columns = {}
            if "results/labels" in f:
                columns["label"] = f["results/labels"][...]
            columns["prediction"] = f["results/predictions"][...]
        return pd.DataFrame(columns, index=pd.Index(self.samples, name="sample"))

    # -- energy ---------------------------------------------------------------------------------------------

    @property
    def profiles(self) -> list[str]:
        """The keys of the `/energy` groups (profiles the run was priced under), unavailable ones included."""
        with self._file() as f:
            return list(f["energy"].keys()) if "energy" in f else []

    def energy(self, profile: str | None = None) -> pd.DataFrame:
        """Energy of the whole run in picojoules: one row per layer, one column per component.

        `profile` is a key of `profiles`; it may be omitted when the file has exactly one.

        >>> r = neurocost.open(run_path)
        >>> e = r.energy("horowitz-45nm-fp32")
        >>> e.index.name, "synops" in e.columns
        ('layer', True)
        """
        with self._file() as f:
            group = self._energy_group(f, profile)
            if "by_layer_picojoules" not in group:
                reason = _text(group.attrs.get("unavailable", "no datasets"))
                raise ResultsFileError(f"{self.path}: profile '{group.name[8:]}' did not price this run: {reason}")
            return pd.DataFrame(group["by_layer_picojoules"][...],
                                index=pd.Index(_strings(group["layers"]), name="layer"),
                                columns=pd.Index(_strings(group["components"]), name="component"))

    def energy_per_sample(self, profile: str | None = None) -> pd.DataFrame:
        """Each sample's energy by component, picojoules (rows: data-file sample index)."""
        with self._file() as f:
            group = self._energy_group(f, profile)
            if "per_sample_by_component_picojoules" not in group:
                raise ResultsFileError(f"{self.path}: profile '{group.name[8:]}' has no per-sample energy")
            return pd.DataFrame(group["per_sample_by_component_picojoules"][...],
                                index=pd.Index(self.samples, name="sample"),
                                columns=pd.Index(_strings(group["components"]), name="component"))

    def energy_attributes(self, profile: str | None = None) -> dict[str, Any]:
        """The `/energy/<profile>` attributes: totals, constants used and their sources, placement, notes …"""
        with self._file() as f:
            return {k: _text(v) for k, v in self._energy_group(f, profile).attrs.items()}

    def _energy_group(self, f: h5py.File, profile: str | None) -> h5py.Group:
        keys = list(f["energy"].keys()) if "energy" in f else []
        if profile is None:
            if len(keys) != 1:
                raise ResultsFileError(f"{self.path}: name a profile, one of {keys}")
            profile = keys[0]
        if profile not in keys:
            raise ResultsFileError(f"{self.path}: no energy for profile '{profile}' (priced under: {keys})")
        return f["energy"][profile]

    # -- conventions ----------------------------------------------------------------------------------------

    @property
    def conventions(self) -> dict[str, xr.Dataset]:
        """Each published counting convention's counts per sample and layer, dims `("sample", "layer")`.

        The group's attributes (`source`, `documentation`, `total`s, or `unavailable`) are the Dataset's attrs.

        >>> sorted(neurocost.open(run_path).conventions)
        ['keras_spiking', 'neurobench', 'seed_eq12', 'syops_counter']
        """
        out: dict[str, xr.Dataset] = {}
        with self._file() as f:
            if "conventions" not in f:
                return out
            coords = {"sample": self.samples, "layer": _strings(f["layers/names"])}
            for name, group in f["conventions"].items():
                variables = {key: xr.DataArray(item[...], dims=("sample", "layer"),
                                               attrs={k: _text(v) for k, v in item.attrs.items()})
                             for key, item in group.items() if isinstance(item, h5py.Dataset) and not is_scale(item)}
                out[name] = xr.Dataset(variables, coords=coords,
                                       attrs={k: _text(v) for k, v in group.attrs.items()})
        return out

    # -- traces ---------------------------------------------------------------------------------------------

    def _trace(self) -> SpikeTrace:
        return SpikeTrace(self.path, self.timesteps)

    @property
    def traced_nodes(self) -> list[str]:
        """Nodes whose spikes were traced (`--trace spikes` or `--trace raster`)."""
        return self._trace().nodes()

    def spikes(self, node: str, sample: int) -> pd.DataFrame:
        """One sample's spikes of `node` as events, columns `step` and `neuron`, sorted by step then neuron.

        `sample` is the data file's index. Works on both trace formats (raster files are unpacked).

        >>> r = neurocost.open(run_path)
        >>> ev = r.spikes("if1", 0)
        >>> list(ev.columns), len(ev) == int(r.raster("if1", 0).sum())
        (['step', 'neuron'], True)
        """
        return self._trace().events(node, self._relative(sample))

    def raster(self, node: str, sample: int) -> np.ndarray:
        """One sample's spikes of `node` as a (T, neurons) uint8 array of 0/1, from either trace format."""
        return self._trace().raster(node, self._relative(sample))

    def membrane(self, node: str, sample: int) -> xr.DataArray:
        """The recorded potentials of `node` (`--record-v`) in one sample, dims `("timestep", "neuron")`.

        The neuron coordinate holds the recorded flat indices; attribute `shape` the population's shape.

        >>> v = neurocost.open(run_path).membrane("if3", 0)
        >>> v.dims
        ('timestep', 'neuron')
        """
        index = self._relative(sample)
        with self._file() as f:
            if f"traces/v/{node}" not in f:
                present = list(f["traces/v"].keys()) if "traces/v" in f else []
                raise ResultsFileError(f"{self.path}: no potentials recorded for '{node}' (recorded: {present})")
            group = f[f"traces/v/{node}"]
            values = group["values"][index]
            neurons = group["neurons"][...]
            shape = _text(group.attrs.get("shape", []))
        return xr.DataArray(values, dims=("timestep", "neuron"),
                            coords={"timestep": np.arange(values.shape[0]), "neuron": neurons},
                            attrs={"shape": shape, "sample": sample, "node": node})

    def _relative(self, sample: int) -> int:
        samples = self.samples
        position = int(np.searchsorted(samples, sample))
        if position >= len(samples) or samples[position] != sample:
            raise ResultsFileError(f"{self.path}: sample {sample} is not in this file "
                                   f"(it holds data-file samples {samples[0]}…{samples[-1]})" if len(samples)
                                   else f"{self.path}: the file holds no samples")
        return position


def open(path: str | PathLike[str]) -> Results:  # noqa: A001 - the package's entry point, as the issue names it
    """Open a NeuroCost results file (`neurocost run --out`, `compare --out`, `merge`) for reading.

    Checks that it is one (it has `schema_version` and `/counts`); every property reads the file when asked.

    >>> neurocost.open(run_path).layers[:2]
    ['conv1', 'if1']
    """
    text = str(path)
    try:
        with h5py.File(text, "r") as f:
            if "schema_version" not in f.attrs or "counts" not in f:
                raise ResultsFileError(f"{text}: not a NeuroCost results file (no schema_version or /counts)")
    except OSError as error:
        raise ResultsFileError(f"{text}: cannot be opened as HDF5 ({error})") from error
    return Results(text)
