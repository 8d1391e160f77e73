"""`neurocost`'s exit statuses by class (docs/exit-codes.md), from the built binary, and the sweep launcher acting on
them: bad input is never retried, a killed or interrupted shard is, and the sweep still equals single runs."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import time
from pathlib import Path

import h5py
import pytest

from conftest import REPO, cli_path
from neurocost.sweep import Shard, SweepError, Unit, run_shard

NETWORK = str(REPO / "Datasets/networks/digits-snn-sparse90.nir")
DATA = str(REPO / "Datasets/digits/digits-test.h5")


def _status(*arguments: str, **options) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cli_path()), *arguments], cwd=REPO, capture_output=True, text=True, **options)


def test_usage_errors_exit_64(tmp_path):
    assert _status("run", "--limit", "0").returncode == 64
    assert _status("run", "--shard", "3/2", "--out", str(tmp_path / "x.h5")).returncode == 64
    assert _status("run", "--no-such-option").returncode == 64


def test_missing_input_exits_66(tmp_path):
    done = _status("run", str(tmp_path / "absent.nir"), "--out", str(tmp_path / "x.h5"))
    assert done.returncode == 66 and "absent.nir" in done.stderr


def test_bad_input_exits_65(tmp_path):
    garbage = tmp_path / "garbage.nir"
    garbage.write_bytes(b"not hdf5 at all")
    assert _status("run", str(garbage), "--out", str(tmp_path / "x.h5")).returncode == 65
    assert _status("price", str(garbage), "--out", str(tmp_path / "p.h5")).returncode == 65
    no_images = tmp_path / "no-images.h5"
    with h5py.File(no_images, "w") as f:
        f["labels"] = [1, 2, 3]
    assert _status("run", "--data", str(no_images), "--out", str(tmp_path / "x.h5")).returncode == 65
    existing = tmp_path / "exists.h5"
    existing.write_bytes(b"")
    assert _status("run", "--limit", "1", "--out", str(existing)).returncode == 65  # refuses without --force


def test_a_failed_write_exits_74(tmp_path):
    """A file-size limit makes writing the results fail part-way (as a full disk would): retryable."""
    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (16_384, 16_384))

    done = _status("run", "--limit", "200", "--per-step-counts", "--out", str(tmp_path / "big.h5"), "--quiet",
                   preexec_fn=small_files)
    assert done.returncode == 74, done.stderr
    assert not (tmp_path / "big.h5").exists()


def test_interruption_exits_130_with_the_completed_samples_saved(tmp_path):
    out = tmp_path / "interrupted.h5"
    # traced runs go in blocks of 8 samples, so the run stops soon after the signal
    process = subprocess.Popen([str(cli_path()), "run", "--encoding", "poisson", "--timesteps", "64", "--threads", "1",
                                "--trace", "spikes", "--out", str(out), "--quiet"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2.0)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) == 130, process.stderr.read()
    with h5py.File(out) as f:
        done = int(f.attrs["samples"])
        assert int(f.attrs["interrupted"]) == 1 and 0 < done < 450
        assert f["counts/per_sample/spikes"].shape[0] == done and f["traces/spikes/if1/sample_start"].shape == (done + 1,)


def _wrapper(tmp_path: Path, body: str) -> str:
    """A stand-in for the CLI that fails as told, then behaves as the real one; counts its calls in `calls`."""
    script = tmp_path / "neurocost-wrapper"
    script.write_text(f"#!/bin/bash\necho x >> {tmp_path}/calls\n{body}\nexec {cli_path()} \"$@\"\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def _shard(tmp_path: Path, cli: str, retries: int = 2) -> Shard:
    unit = Unit(NETWORK, DATA, "direct", 0, 4, 10, 2, ("horowitz-45nm-fp32",))
    return Shard(unit, 1, str(tmp_path / "shard.h5"), cli, retries=retries)


def _calls(tmp_path: Path) -> int:
    return len((tmp_path / "calls").read_text().splitlines())


@pytest.mark.parametrize("failure", ["kill -KILL $$", "exit 74", "exit 130"])
def test_launcher_retries_transient_failures(tmp_path, failure):
    # fails on the first call only
    cli = _wrapper(tmp_path, f'[ "$(wc -l < {tmp_path}/calls)" -eq 1 ] && {failure}')
    path = run_shard(_shard(tmp_path, cli))
    assert _calls(tmp_path) == 2 and os.path.exists(path) and not os.path.exists(path + ".partial")
    with h5py.File(path) as f:
        assert (int(f.attrs["shard_index"]), int(f.attrs["samples"])) == (1, 5)


@pytest.mark.parametrize("status", [1, 2, 64, 65, 66])
def test_launcher_never_retries_bad_input(tmp_path, status):
    cli = _wrapper(tmp_path, f"exit {status}")
    with pytest.raises(SweepError, match=f"exit {status}"):
        run_shard(_shard(tmp_path, cli, retries=3))
    assert _calls(tmp_path) == 1 and not os.path.exists(tmp_path / "shard.h5")
