#!/usr/bin/env bash
# Runs the analysis notebooks headless against results the CLI writes now (part of the README's test command).
# Usage: bash Notebooks/check.sh   (after `swift build`; uses .build/debug/neurocost)
set -euo pipefail
cd "$(dirname "$0")/.."
cli=.build/debug/neurocost
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$cli" run --encoding poisson --profile horowitz-45nm-fp32 --profile horowitz-45nm-int8 --profile loihi \
    --trace spikes --record-v if3 --limit 100 --out "$work/run.h5" --quiet >/dev/null
"$cli" compare --limit 100 --out "$work/compare.h5" >/dev/null
"$cli" run Datasets/networks/digits-snn-dense.nir --profile horowitz-45nm-fp32 --limit 100 --out "$work/dense.h5" --quiet >/dev/null
"$cli" run Datasets/networks/digits-snn-sparse90.nir --profile horowitz-45nm-fp32 --limit 100 --out "$work/sparse.h5" --quiet >/dev/null
"$cli" run --trace raster --limit 50 --out "$work/raster.h5" --quiet >/dev/null
# The notebooks import the package from the working tree (installed or not).
export PYTHONPATH="$PWD/Python/src${PYTHONPATH:+:$PYTHONPATH}"
python3 Notebooks/run_notebooks.py --run "$work/run.h5" --compare "$work/compare.h5" --dense "$work/dense.h5" \
    --sparse "$work/sparse.h5" --out-dir "$work/executed" --check-clean
# explore-run again on a raster-traced run: it draws rasters from either trace format.
python3 Notebooks/run_notebooks.py --run "$work/raster.h5" --only explore-run --out-dir "$work/executed-raster"

# The Python package (Python/): its tests and doctests, on results the CLI writes now. Tests the working tree's
# source, whatever is installed. pytest exits 5 when it collects nothing, which fails this script too.
NEUROCOST_CLI="$PWD/$cli" python3 -m pytest -q -p no:cacheprovider Python
