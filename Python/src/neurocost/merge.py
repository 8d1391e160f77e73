"""Merge the shards of one run (`neurocost run --shard I/K`, or `--offset/--limit`) into one results file, exactly.

Rules (`/work/shared/research/scaleout.md` §4, `docs/results-schema.md`):

- shards must agree on the network (SHA-256), the data (`data_sha256`), the options (timesteps, encoding, reset,
  threshold, framework, spike function, seed, dt, readout), the tool and schema versions, the layers, the traced
  nodes and the profiles; else `MergeError`;
- their sample ranges must not overlap, nor leave a gap unless `allow_gaps` (then `/results/sample_index` lists the
  data-file index of every sample);
- `/counts/<metric>` (T, L) and `/counts/spikes_per_neuron/*` are summed (int64: exact); per-sample counts,
  labels, predictions, raster bits and potentials are concatenated in sample order; spike events are
  concatenated with `sample` shifted to stay run-relative (add the root's `sample_offset` for the data file's);
- accuracy is recomputed from the integer correct counts (Σ correct / N in float64, as the tool does);
- `/energy` and `/conventions` are re-priced from the merged integer counts with `neurocost price` (the profiles'
  own text, stored in each shard, is priced again), so they equal a single run's.

`compare --shard` files merge too: the root run as above; each compared run (`/ann`, `/baseline`,
`/by_data/<i>/…`) with its counts, integer convention quantities and accuracy exact, its energy not merged (pricing
is not additive over shards; the group's `energy` attribute says so).

The merged file is written as `OUT.partial` and renamed when complete; `neurocost scales` then names its dimensions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from .results import is_scale

__all__ = ["MergeError", "merge", "main"]

#: Root attributes every shard must share.
CONFIG_ATTRIBUTES = ("schema_version", "neurocost_version", "network_sha256", "data_sha256", "timesteps", "encoding",
                     "reset", "threshold_compare", "framework", "spike_function", "seed", "dt_seconds", "readout")


class MergeError(ValueError):
    """Shards that cannot be merged, with the shard and the disagreement in the message."""


@dataclass(frozen=True)
class _Shard:
    path: str
    offset: int
    samples: int

    @property
    def stop(self) -> int:
        return self.offset + self.samples


def _attr(f: h5py.File | h5py.Group, name: str) -> object:
    value = f.attrs.get(name)
    return value.decode() if isinstance(value, bytes) else value


#: The attributes of HDF5 dimension scales: references into their own file, so never copied between files (the
#: merged file gets its own scales from `neurocost scales`).
SCALE_ATTRIBUTES = frozenset({"CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST", "DIMENSION_LABELS"})


def _copy_attributes(source: h5py.HLObject, target: h5py.HLObject) -> None:
    for key, value in source.attrs.items():
        if key not in SCALE_ATTRIBUTES:
            target.attrs[key] = value


def _copy_tree(source: h5py.Group, parent: h5py.Group, name: str) -> None:
    """Copy a group into another file without its dimension scales (their references would point nowhere)."""
    target = parent.create_group(name)
    _copy_attributes(source, target)
    for key, item in source.items():
        if isinstance(item, h5py.Group):
            _copy_tree(item, target, key)
        elif not is_scale(item):
            dataset = target.create_dataset(key, data=item[...], dtype=item.dtype)
            _copy_attributes(item, dataset)


def _datasets(group: h5py.Group) -> list[str]:
    return sorted(k for k, v in group.items() if isinstance(v, h5py.Dataset) and not is_scale(v))


def _check(shards: list[_Shard], allow_gaps: bool) -> None:
    with h5py.File(shards[0].path, "r") as first:
        reference = {name: _attr(first, name) for name in CONFIG_ATTRIBUTES}
        layers = list(first["layers/names"].asstr()[...])
        traces = sorted(f"{kind}/{node}" for kind in first.get("traces", {}) for node in first["traces"][kind])
        profiles = sorted(first.get("energy", {}).keys())
        compared = _compared_groups(first)
        data_files = {index: (_attr(group, "data_file"), _attr(group, "data_sha256")) for index, group in first.get("by_data", {}).items()}
    if reference["data_sha256"] is None:
        raise MergeError(f"{shards[0].path}: no data_sha256 (written by a neurocost before --shard); cannot check the data")
    for shard in shards[1:]:
        with h5py.File(shard.path, "r") as f:
            for name in CONFIG_ATTRIBUTES:
                value = _attr(f, name)
                if value != reference[name]:
                    raise MergeError(f"{shard.path}: {name} is {value!r}, but {shards[0].path} has {reference[name]!r}")
            if list(f["layers/names"].asstr()[...]) != layers:
                raise MergeError(f"{shard.path}: other layers than {shards[0].path}")
            mine = sorted(f"{kind}/{node}" for kind in f.get("traces", {}) for node in f["traces"][kind])
            if mine != traces:
                raise MergeError(f"{shard.path}: traces {mine}, but {shards[0].path} has {traces}")
            if sorted(f.get("energy", {}).keys()) != profiles:
                raise MergeError(f"{shard.path}: priced under {sorted(f.get('energy', {}).keys())}, "
                                 f"but {shards[0].path} under {profiles}")
            if _compared_groups(f) != compared:
                raise MergeError(f"{shard.path}: compared runs {_compared_groups(f)}, but {shards[0].path} has {compared}")
            for index, group in f.get("by_data", {}).items():
                if (_attr(group, "data_file"), _attr(group, "data_sha256")) != data_files.get(index):
                    raise MergeError(f"{shard.path}: by_data/{index} holds other data than {shards[0].path}'s")
    for before, after in zip(shards, shards[1:]):
        if after.offset < before.stop:
            raise MergeError(f"{after.path} (samples {after.offset}…{after.stop - 1}) overlaps "
                             f"{before.path} (samples {before.offset}…{before.stop - 1})")
        if after.offset > before.stop and not allow_gaps:
            raise MergeError(f"samples {before.stop}…{after.offset - 1} are in no shard (between {before.path} and "
                             f"{after.path}); run them, or pass --allow-gaps")


def _concatenate(out: h5py.Group, name: str, sources: list[h5py.Dataset], **options: object) -> None:
    data = np.concatenate([s[...] for s in sources], axis=0)
    dataset = out.create_dataset(name, data=data, **options)
    _copy_attributes(sources[0], dataset)


def _sum(out: h5py.Group, name: str, sources: list[h5py.Dataset]) -> None:
    total = np.zeros(sources[0].shape, dtype=np.int64)
    for s in sources:
        total += s[...]
    dataset = out.create_dataset(name, data=total)
    _copy_attributes(sources[0], dataset)


def _write_integers(out: h5py.File, files: list[h5py.File], shards: list[_Shard], gaps: bool) -> None:
    first = files[0]
    for key, value in first.attrs.items():
        out.attrs[key] = value
    total = sum(s.samples for s in shards)
    out.attrs["samples"] = np.int64(total)
    out.attrs["completed_samples"] = np.int64(total)
    out.attrs["planned_samples"] = np.int64(shards[-1].stop - shards[0].offset)
    out.attrs["sample_offset"] = np.int64(shards[0].offset)
    out.attrs["interrupted"] = np.int64(1 if gaps else 0)
    out.attrs["shard_index"] = np.int64(0)
    out.attrs["shard_count"] = np.int64(1)
    out.attrs["merged_from"] = [os.path.basename(s.path) for s in shards]
    if "failure" in out.attrs:
        del out.attrs["failure"]
    _copy_tree(first["layers"], out, "layers")

    counts = out.create_group("counts")
    for name in _datasets(first["counts"]):
        _sum(counts, name, [f["counts"][name] for f in files])
    for group in ("per_sample", "per_sample_step"):
        if all(f"counts/{group}" in f for f in files):
            target = counts.create_group(group)
            for name in _datasets(first["counts"][group]):
                _concatenate(target, name, [f["counts"][group][name] for f in files])
    if "counts/spikes_per_neuron" in first:
        target = counts.create_group("spikes_per_neuron")
        for name in _datasets(first["counts/spikes_per_neuron"]):
            _sum(target, name, [f["counts/spikes_per_neuron"][name] for f in files])

    results = out.create_group("results")
    for name in ("labels", "predictions", "predictions_by_timestep"):
        if f"results/{name}" in first:
            _concatenate(results, name, [f["results"][name] for f in files])
    if "labels" in results:
        labels = results["labels"][...]
        by_step = results["predictions_by_timestep"][...]
        correct = (by_step == labels[:, None]).sum(axis=0, dtype=np.int64)
        accuracy = results.create_dataset("accuracy_by_timestep", data=correct.astype(np.float64) / float(len(labels)))
        _copy_attributes(first["results/accuracy_by_timestep"], accuracy)
    if gaps:
        index = np.concatenate([np.arange(s.offset, s.stop, dtype=np.int64) for s in shards])
        results.create_dataset("sample_index", data=index).attrs["meaning"] = "the data file's index of each sample"

    if "traces" in first:
        traces = out.create_group("traces")
        for key, value in first["traces"].attrs.items():
            traces.attrs[key] = value
        starts = np.cumsum([0] + [s.samples for s in shards])
        for kind in first["traces"]:
            kind_group = traces.create_group(kind)
            for node in first["traces"][kind]:
                source = first["traces"][kind][node]
                target = kind_group.create_group(node)
                for key, value in source.attrs.items():
                    target.attrs[key] = value
                if kind == "spikes":
                    _merge_events(target, [f["traces"][kind][node] for f in files], total)
                else:
                    for name in _datasets(source):
                        parts = [f["traces"][kind][node][name] for f in files]
                        if name == "neurons":
                            target.create_dataset(name, data=parts[0][...])
                        else:
                            _concatenate(target, name, parts)


def _merge_events(target: h5py.Group, sources: list[h5py.Group], total: int) -> None:
    """Concatenate one node's spike events (schema 5: `neuron`, `step_start`, `sample_start`) as one run writes them.

    Each shard's offsets are rebased by the rows before it; `step_start` and `sample_start` keep one leading 0."""
    if any("step_start" not in g for g in sources):
        raise MergeError(f"{sources[0].name}: spike events of results schema 4 or older (sample/step columns); "
                         "merge them with the neurocost version that wrote them")
    neurons = [g["neuron"][...] for g in sources]
    rows = np.cumsum([0] + [len(n) for n in neurons]).astype(np.int64)
    data = np.concatenate(neurons).astype(sources[0]["neuron"].dtype)
    chunk = max(1, (1 << 18) // data.dtype.itemsize)
    neuron = target.create_dataset("neuron", data=data, maxshape=(None,), chunks=(chunk,))
    step_parts = [np.zeros(1, dtype=np.int64)] + [g["step_start"][1:].astype(np.int64) + base for g, base in zip(sources, rows)]
    step_start = np.concatenate(step_parts)
    target.create_dataset("step_start", data=step_start, maxshape=(None,), chunks=(8192,))
    timesteps = int(sources[0].attrs["timesteps"])
    if len(step_start) != total * timesteps + 1:
        raise MergeError(f"merged step_start has {len(step_start)} offsets, expected {total * timesteps + 1}")
    sample_start = step_start[::timesteps]
    for name, dataset in (("neuron", neuron), ("step_start", target["step_start"])):
        _copy_attributes(sources[0][name], dataset)
    target.create_dataset("sample_start", data=sample_start)
    _copy_attributes(sources[0]["sample_start"], target["sample_start"])


def _compared_groups(f: h5py.File) -> list[str]:
    """The compared runs of a `compare` file (`ann`, `baseline`, `by_data/<i>/snn`, …); none in a `run` file."""
    groups = [name for name in ("ann", "baseline") if name in f]
    for index in sorted(f.get("by_data", {}), key=int):
        groups += [f"by_data/{index}/{name}" for name in ("snn", "ann", "baseline") if name in f[f"by_data/{index}"]]
    return groups


#: Why a merged `compare` file has no energy for its compared runs: pricing is not additive over shards (the memory
#: model splits weight traffic by the whole run), and `neurocost price` prices a network's run, not an ANN view.
UNMERGED_ENERGY = ("not merged: energy depends on the whole run, not a sum over shards; the root run's energy is "
                   "re-priced from the merged counts; run compare unsharded for this run's energy")


def _merge_compared_run(out: h5py.Group, name: str, sources: list[h5py.Group], samples: list[int]) -> None:
    """Merge one compared run (compare's ANN view, baseline, or a data file's SNN) of every shard.

    Counts and the counting conventions' integer quantities are summed or concatenated (exact). Correct predictions
    are recovered from each shard's accuracy (correct = accuracy × samples, exact below 2^50 samples) and the
    accuracy recomputed as Σ correct / N, as the tool computes it. Energies are not merged (`UNMERGED_ENERGY`)."""
    target = out.create_group(name)
    first = sources[0]
    _copy_attributes(first, target)
    total = sum(samples)
    if "accuracy" in first.attrs:
        correct = sum(int(round(float(g.attrs["accuracy"]) * n)) for g, n in zip(sources, samples))
        target.attrs["accuracy"] = np.float64(correct) / np.float64(total)
    _copy_tree(first["layers"], target, "layers")
    counts = target.create_group("counts")
    for metric in _datasets(first["counts"]):
        _sum(counts, metric, [g["counts"][metric] for g in sources])
    per_sample = counts.create_group("per_sample")
    for metric in _datasets(first["counts/per_sample"]):
        _concatenate(per_sample, metric, [g["counts/per_sample"][metric] for g in sources])
    for metric in ("spikes", "synops", "macs"):
        if f"{metric}_per_sample" in first.attrs:
            target.attrs[f"{metric}_per_sample"] = np.float64(int(counts[metric][...].sum())) / np.float64(max(total, 1))
    if "conventions" in first:
        conventions = target.create_group("conventions")
        for convention, group in first["conventions"].items():
            merged = conventions.create_group(convention)
            _copy_attributes(group, merged)
            parts = [g["conventions"][convention] for g in sources]
            for quantity in _datasets(group):
                if group[quantity].dtype.kind in "iu":
                    _concatenate(merged, quantity, [p[quantity] for p in parts])
                    merged[quantity].attrs["total"] = np.int64(sum(int(p[quantity].attrs["total"]) for p in parts))
    target.attrs["energy"] = UNMERGED_ENERGY


def _write_compared(out: h5py.File, files: list[h5py.File], shards: list[_Shard]) -> None:
    for path in _compared_groups(files[0]):
        parent, _, name = path.rpartition("/")
        if parent and parent not in out:
            group = out.create_group(parent)
            _copy_attributes(files[0][parent], group)
            counts = [int(f[parent].attrs["samples"]) for f in files]
            group.attrs["samples"] = np.int64(sum(counts))
            group.attrs["sample_offset"] = np.int64(int(files[0][parent].attrs["sample_offset"]))
            for before, after in zip(files, files[1:]):
                stop = int(before[parent].attrs["sample_offset"]) + int(before[parent].attrs["samples"])
                if int(after[parent].attrs["sample_offset"]) != stop:
                    raise MergeError(f"{after.filename}: {parent} does not continue {before.filename}'s samples")
        samples = [int(f[path]["counts/per_sample/spikes"].shape[0]) for f in files]
        _merge_compared_run(out[parent] if parent else out, name, [f[path] for f in files], samples)


def _profile_files(first: h5py.File, directory: Path) -> list[tuple[str, Path, dict[str, object]]]:
    """Each priced profile's own text, written out for `neurocost price`, with the group's attributes to restore."""
    out = []
    for key, group in first.get("energy", {}).items():
        text = _attr(group, "profile_text")
        if text is None:
            raise MergeError(f"{first.filename}: /energy/{key} has no profile_text to price the merged counts with")
        suffix = ".json" if str(text).lstrip().startswith("{") else ".yaml"
        path = directory / f"{key}{suffix}"
        path.write_text(str(text))
        out.append((key, path, dict(group.attrs)))
    return out


def _reprice(out_path: str, first_path: str, cli: str, network: str | None, price_arguments: Sequence[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="neurocost-merge-") as directory, h5py.File(first_path, "r") as first:
        profiles = _profile_files(first, Path(directory))
        priced = Path(directory) / "priced.h5"
        command = [cli, "price", out_path, "--out", str(priced)]
        for _, path, _ in profiles:
            command += ["--profile", str(path)]
        if network:
            command += ["--network", network]
        command += list(price_arguments)
        if not profiles:
            command += ["--profile", "horowitz-45nm-fp32"]  # conventions only; the energy group is dropped below
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise MergeError(f"re-pricing the merged counts failed ({' '.join(command)}): {done.stderr.strip()}")
        with h5py.File(priced, "r") as source, h5py.File(out_path, "a") as out:
            if "conventions" in source:
                _copy_tree(source["conventions"], out, "conventions")
            if profiles:
                energy = out.create_group("energy")
                for key, _, attributes in profiles:
                    if key not in source["energy"]:
                        raise MergeError(f"re-pricing gave no /energy/{key} (it gave {list(source['energy'])})")
                    _copy_tree(source["energy"][key], energy, key)
                    for name in ("profile_file",):  # the shard's record of where the profile came from
                        if name in attributes:
                            energy[key].attrs[name] = attributes[name]


def _attach_scales(path: str, cli: str) -> None:
    done = subprocess.run([cli, "scales", path], capture_output=True, text=True)
    if done.returncode != 0:
        raise MergeError(f"naming the merged file's dimensions failed ({cli} scales {path}): {done.stderr.strip()}")


def merge(out: str | os.PathLike[str], shards: Sequence[str | os.PathLike[str]], *, allow_gaps: bool = False,
          cli: str | None = None, network: str | None = None, price_arguments: Sequence[str] = (),
          force: bool = False) -> str:
    """Merge `shards` into `out` (see the module's rules) and return its path.

    `cli` is the neurocost binary that re-prices (default `$NEUROCOST_CLI`, else `neurocost` on PATH); `network`
    the NIR file when it is not at the path the shards record; `price_arguments` extra `neurocost price` options
    (`--memory-model no-reuse`, `--weight-format csr`) when the shards were run with them.
    """
    out_path = str(out)
    if not shards:
        raise MergeError("no shards to merge")
    if os.path.exists(out_path) and not force:
        raise MergeError(f"{out_path} exists; choose another output or pass force=True (--force)")
    found: list[_Shard] = []
    for path in map(str, shards):
        try:
            with h5py.File(path, "r") as f:
                found.append(_Shard(path, int(f.attrs["sample_offset"]), int(f.attrs["samples"])))
        except (OSError, KeyError) as error:
            raise MergeError(f"{path}: not a readable results file ({error})") from error
    found.sort(key=lambda s: s.offset)
    _check(found, allow_gaps)
    gaps = any(after.offset > before.stop for before, after in zip(found, found[1:]))
    binary = cli or os.environ.get("NEUROCOST_CLI") or shutil.which("neurocost")
    if not binary:
        raise MergeError("no neurocost binary to re-price with: set NEUROCOST_CLI or put neurocost on PATH")
    partial = out_path + ".partial"
    files = [h5py.File(s.path, "r") for s in found]
    try:
        with h5py.File(partial, "w") as target:
            _write_integers(target, files, found, gaps)
            if _compared_groups(files[0]):
                if gaps:
                    raise MergeError("compare shards merge only without gaps")
                _write_compared(target, files, found)
    finally:
        for f in files:
            f.close()
    try:
        _reprice(partial, found[0].path, binary, network, price_arguments)
        _attach_scales(partial, binary)
    except BaseException:
        os.remove(partial)
        raise
    os.replace(partial, out_path)
    return out_path


def main(argv: Sequence[str] | None = None) -> int:
    """`neurocost-merge OUT.h5 SHARD.h5… [--allow-gaps] [--network NIR] [--force]`; exit 2 on a refused merge."""
    parser = argparse.ArgumentParser(prog="neurocost-merge", description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("shards", nargs="+")
    parser.add_argument("--allow-gaps", action="store_true", help="merge although samples are missing")
    parser.add_argument("--network", help="the NIR file, when not at the path the shards record")
    parser.add_argument("--cli", help="the neurocost binary (default: $NEUROCOST_CLI, else on PATH)")
    parser.add_argument("--force", action="store_true", help="replace OUT")
    arguments = parser.parse_args(argv)
    try:
        merge(arguments.out, arguments.shards, allow_gaps=arguments.allow_gaps, cli=arguments.cli,
              network=arguments.network, force=arguments.force)
    except MergeError as error:
        print(f"neurocost-merge: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
