"""Spike traces in either format a run writes: `/traces/spikes` (events) or `/traces/raster` (bits).

Events (schema 5) are one `neuron` column and `step_start`, N · T + 1 row offsets: sample i's spikes at step t are
rows `step_start[i · T + t]` to `step_start[i · T + t + 1]`, so one sample's rows and their steps come from T + 1
offsets, never from a scan. Files of schema 4 and older hold `sample` and `step` columns instead; they are read too
(one sample's rows from `sample_start`, or by binary search on the sorted `sample` column).
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
            steps, neurons = self._columns(group, sample)
            return pd.DataFrame({"step": steps, "neuron": neurons})

    def raster(self, node: str, sample: int) -> np.ndarray:
        """A (T, neurons) uint8 array: 1 where the neuron spiked at that step."""
        with h5py.File(self.path, "r") as f:
            kind, group = self._locate(f, node)
            if kind == "raster":
                return self._unpack(group, sample)
            neurons = int(np.prod(group.attrs["shape"]))
            steps, indices = self._columns(group, sample)
            out = np.zeros((self.timesteps, neurons), dtype=np.uint8)
            out[steps, indices] = 1
            return out

    def _columns(self, group: h5py.Group, sample: int) -> tuple[np.ndarray, np.ndarray]:
        """One sample's (step, neuron) columns as int64, sorted by step then neuron."""
        if "step_start" in group:
            bounds = group["step_start"][sample * self.timesteps:(sample + 1) * self.timesteps + 1].astype(np.int64)
            if len(bounds) != self.timesteps + 1:
                raise TraceError(f"{self.path}: sample {sample} is past the end of the trace")
            steps = np.repeat(np.arange(self.timesteps, dtype=np.int64), np.diff(bounds))
            return steps, group["neuron"][bounds[0]:bounds[-1]].astype(np.int64)
        start, stop = self._rows(group, sample)
        return group["step"][start:stop].astype(np.int64), group["neuron"][start:stop].astype(np.int64)

    @staticmethod
    def _unpack(group: h5py.Group, sample: int) -> np.ndarray:
        neurons = int(group.attrs["neurons"])
        bits = group["bits"][sample]
        return np.unpackbits(bits, axis=-1, bitorder="little")[:, :neurons]

    @staticmethod
    def _rows(group: h5py.Group, sample: int) -> tuple[int, int]:
        """Schema 4 and older: one sample's rows of the `sample`, `step` and `neuron` columns."""
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
