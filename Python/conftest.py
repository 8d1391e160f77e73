"""Test fixtures: results files written now by the built CLI (never stored files), shared by tests and doctests.

The CLI is `$NEUROCOST_CLI`, else the repository's `.build/debug/neurocost` (run `swift build` first). Runs use the
bundled digits network and data, from the repository root.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# The package under test is this working tree's, in this process and in the ones the CLI starts (`neurocost merge`
# runs `python3 -m neurocost.merge`), whatever version is installed.
_SOURCE = str(REPO / "Python" / "src")
sys.path.insert(0, _SOURCE)
os.environ["PYTHONPATH"] = os.pathsep.join([_SOURCE, *filter(None, [os.environ.get("PYTHONPATH")])])


def cli_path() -> Path:
    """The neurocost binary the tests drive."""
    path = Path(os.environ.get("NEUROCOST_CLI", REPO / ".build" / "debug" / "neurocost"))
    if not path.exists():
        raise pytest.UsageError(f"{path}: no neurocost binary; run `swift build` (or set NEUROCOST_CLI)")
    return path.resolve()


def neurocost(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI from the repository root; fail the test with its stderr when it fails."""
    done = subprocess.run([str(cli_path()), *arguments], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"neurocost {' '.join(arguments)} exited {done.returncode}: {done.stderr}")
    return done


@pytest.fixture(scope="session")
def cli():
    """The `neurocost` runner function."""
    return neurocost


@pytest.fixture(scope="session")
def run_path(tmp_path_factory) -> str:
    """A 20-sample Poisson run priced under two profiles, raster-traced, potentials of if3 recorded."""
    out = tmp_path_factory.mktemp("runs") / "run.h5"
    neurocost("run", "--encoding", "poisson", "--seed", "3", "--profile", "horowitz-45nm-fp32",
              "--profile", "horowitz-45nm-int8", "--trace", "raster", "--record-v", "if3", "--limit", "20",
              "--per-step-counts", "--out", str(out), "--quiet")
    return str(out)


@pytest.fixture(scope="session")
def events_path(tmp_path_factory) -> str:
    """The same run as `run_path`, traced as spike events, from sample 5 on."""
    out = tmp_path_factory.mktemp("runs") / "events.h5"
    neurocost("run", "--encoding", "poisson", "--seed", "3", "--trace", "spikes", "--offset", "5", "--limit", "15",
              "--out", str(out), "--quiet")
    return str(out)


@pytest.fixture(autouse=True, scope="session")
def _doctest_files(doctest_namespace, run_path):
    """Doctests see `run_path` and `neurocost` without importing them."""
    import neurocost as package

    doctest_namespace["run_path"] = run_path
    doctest_namespace["neurocost"] = package
