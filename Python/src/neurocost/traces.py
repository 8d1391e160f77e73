"""Spike traces in either format a run writes: `/traces/spikes` (events) or `/traces/raster` (bits).

Events are sorted by sample, so one sample's rows are found by binary search on the `sample` column (or read
from `sample_start`, the per-sample index of N + 1 row offsets, when the file has one), never by a scan.
"""

from __future__ import annotations

from dataclasses import dataclass

import h5py
import numpy as np
import pandas as pd

__all__ = ["SpikeTrace", "TraceError"]


class TraceError(KeyError):
    """A node that was not traced, or a file without traces."""

    def __str__(self) -> str:  # KeyError quotes its message; this one reads as a sentence
        return str(self.args[0])


@dataclass(frozen=True)
class SpikeTrace:
    """Reads one sample's spikes of one node. `sample` arguments are run-relative (0 … N−1)."""

    path: str
    timesteps: int

    def nodes(self) -> list[str]:
        """Traced nodes, whichever the format."""
        with h5py.File(self.path, "r") as f:
            for kind in ("traces/spikes", "traces/raster"):
                if kind in f:
                    return list(f[kind].keys())
        return []

    def _locate(self, f: h5py.File, node: str) -> tuple[str, h5py.Group]:
        for kind in ("spikes", "raster"):
            key = f"traces/{kind}/{node}"
            if key in f:
                return kind, f[key]
        raise TraceError(f"{self.path}: '{node}' was not traced (traced: {self.nodes() or 'nothing; run with --trace'})")

    def events(self, node: str, sample: int) -> pd.DataFrame:
        """Columns `step`, `neuron` (int64), sorted by step then neuron."""
        with h5py.File(self.path, "r") as f:
            kind, group = self._locate(f, node)
            if kind == "raster":
                raster = self._unpack(group, sample)
                steps, neurons = np.nonzero(raster)
                return pd.DataFrame({"step": steps.astype(np.int64), "neuron": neurons.astype(np.int64)})
            start, stop = self._rows(group, sample)
            return pd.DataFrame({"step": group["step"][start:stop].astype(np.int64),
                                 "neuron": group["neuron"][start:stop].astype(np.int64)})

    def raster(self, node: str, sample: int) -> np.ndarray:
        """A (T, neurons) uint8 array: 1 where the neuron spiked at that step."""
        with h5py.File(self.path, "r") as f:
            kind, group = self._locate(f, node)
            if kind == "raster":
                return self._unpack(group, sample)
            neurons = int(np.prod(group.attrs["shape"]))
            start, stop = self._rows(group, sample)
            out = np.zeros((self.timesteps, neurons), dtype=np.uint8)
            out[group["step"][start:stop], group["neuron"][start:stop]] = 1
            return out

    @staticmethod
    def _unpack(group: h5py.Group, sample: int) -> np.ndarray:
        neurons = int(group.attrs["neurons"])
        bits = group["bits"][sample]
        return np.unpackbits(bits, axis=-1, bitorder="little")[:, :neurons]

    @staticmethod
    def _rows(group: h5py.Group, sample: int) -> tuple[int, int]:
        if "sample_start" in group:
            bounds = group["sample_start"][sample:sample + 2]
            return int(bounds[0]), int(bounds[1])
        column = group["sample"]
        return _bisect(column, sample), _bisect(column, sample + 1)


def _bisect(column: h5py.Dataset, value: int) -> int:
    """The first row whose value is ≥ `value` in a sorted on-disk column, reading O(log E) single rows."""
    low, high = 0, column.shape[0]
    while low < high:
        middle = (low + high) // 2
        if int(column[middle]) < value:
            low = middle + 1
        else:
            high = middle
    return low
