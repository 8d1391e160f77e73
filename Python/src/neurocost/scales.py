"""HDF5 dimension scales on a results file, so plain xarray names its dimensions and coordinates.

After `add_dimension_scales(path)`, `xarray.open_dataset(path, group="counts", engine="h5netcdf")` has dims
`("timestep", "layer")` with the layer names as coordinate; likewise `counts/per_sample` (`sample`, `layer`),
`counts/per_sample_step`, `results`, `energy/<profile>` (`layer`, `component`, `sample`) and `conventions/<name>`.
`neurocost-merge` writes merged files with them. Scale datasets carry `CLASS = "DIMENSION_SCALE"`; readers that
list a group's metrics skip them (`is_scale`).

>>> import shutil, xarray
>>> copy = shutil.copy(run_path, str(run_path) + ".scaled.h5")
>>> add_dimension_scales(copy)
>>> ds = xarray.open_dataset(copy, group="counts", engine="h5netcdf")
>>> ds["synops"].dims, str(ds["layer"].values[0])
(('timestep', 'layer'), 'conv1')
>>> ds.close()
"""

from __future__ import annotations

import os

import h5py
import numpy as np

__all__ = ["add_dimension_scales", "is_scale"]


def is_scale(item: object) -> bool:
    """True for a dimension-scale dataset (a coordinate, not a metric)."""
    if not isinstance(item, h5py.Dataset):
        return False
    value = item.attrs.get("CLASS")
    return (value.decode() if isinstance(value, bytes) else value) == "DIMENSION_SCALE"


def _scale(group: h5py.Group, name: str, values: np.ndarray) -> h5py.Dataset:
    if name in group:
        return group[name]
    if values.dtype.kind in ("O", "U", "S"):
        dataset = group.create_dataset(name, data=[str(v) for v in values], dtype=h5py.string_dtype())
    else:
        dataset = group.create_dataset(name, data=values)
    dataset.make_scale(name)
    return dataset


def _attach(group: h5py.Group, sizes: dict[str, np.ndarray]) -> None:
    """Attach scales to every dataset of `group` whose shape matches a combination of the named dimensions."""
    order = list(sizes)
    for name, item in list(group.items()):
        if not isinstance(item, h5py.Dataset) or is_scale(item) or item.ndim == 0:
            continue
        dims = []
        for extent in item.shape:
            # the first dimension, in `order`, of this length not already used by this dataset
            match = next((d for d in order if len(sizes[d]) == extent and d not in dims), None)
            dims.append(match)
        if None in dims or len(set(dims)) != len(dims):
            continue
        for axis, dim in enumerate(dims):
            item.dims[axis].attach_scale(_scale(group, dim, sizes[dim]))


def add_dimension_scales(path: str | os.PathLike[str]) -> None:
    """Add `timestep`, `layer`, `sample`, `component` scales where the results file's datasets use them."""
    with h5py.File(path, "a") as f:
        T = int(f.attrs["timesteps"])
        layers = np.asarray(f["layers/names"].asstr()[...], dtype=object)
        if "results/sample_index" in f:
            samples = f["results/sample_index"][...]
        else:
            samples = np.arange(int(f.attrs["samples"]), dtype=np.int64) + int(f.attrs.get("sample_offset", 0))
        timestep = np.arange(T, dtype=np.int64)
        # with N == T or N == L, the order below decides: sample first, then timestep, then layer
        if "counts" in f:
            _attach(f["counts"], {"timestep": timestep, "layer": layers})
            for sub in ("per_sample", "per_sample_step"):
                if f"counts/{sub}" in f:
                    _attach(f[f"counts/{sub}"], {"sample": samples, "timestep": timestep, "layer": layers})
        if "results" in f:
            _attach(f["results"], {"sample": samples, "timestep": timestep})
        for group in f.get("energy", {}).values():
            if "components" in group:
                components = np.asarray(group["components"].asstr()[...], dtype=object)
                _attach(group, {"sample": samples, "layer": layers, "component": components})
        for group in f.get("conventions", {}).values():
            _attach(group, {"sample": samples, "layer": layers})
            if isinstance(group.get("energy"), h5py.Group):
                _attach(group["energy"], {"sample": samples, "layer": layers})
